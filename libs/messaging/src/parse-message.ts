import { FieldPath, MessageBySubject, messageDefinition, messageDefinitionOf, MessageName, Messages, PickFields } from '@credit-hub/contracts';

/**
 * Why a message body could not be read: `unknown_subject` (no contract for the subject: a newer
 * publisher, or a message this code does not read) or `invalid` (the body breaks its contract;
 * `field` names the first offending field). A data error: retrying cannot fix it, so a consumer
 * skips the message (logged, acknowledged) or lets its consumer give it up as poison, never
 * retries it forever.
 */
export interface MessageDataError {
  subject: string;
  reason: 'unknown_subject' | 'invalid';
  detail: string;
  field?: string;
}

/** A message read by its contract: `name` (the subject without namespace) tells which one. */
export type ParsedMessage<N extends MessageName = MessageName> = N extends MessageName ? { ok: true; name: N; message: MessageBySubject[N] } : never;

/** What `parseMessage` returns: the typed message, or a data error (never thrown). */
export type ParseResult<M> = M | { ok: false; error: MessageDataError };

/** Thrown by a consumer that leaves a data error to its consumer's poison path (naked until `maxDeliver`, then logged). */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';

  constructor(readonly error: MessageDataError) {
    super(`${error.subject}: ${error.detail}`);
  }
}

/**
 * Reads a JSON-decoded message body by the contract of its subject (`Messages` in
 * `@credit-hub/contracts`): validated, normalised (emails, domains, currencies, ISO times) and
 * typed. `subject` is the subject as received (with the `HUB_NAMESPACE` prefix, if any) or a
 * message name (`'billing.events.payment-succeeded.v1'`): a name gives the message's own type, a
 * received subject the union of every message, told apart by `name`. `read` (events): only these
 * field paths must be valid and only they are in the type (a tolerant reader: a consumer checks
 * what it uses, so a field it does not read cannot stop it). Never throws on bad input: a body
 * that breaks the contract, or a subject without one, is a `MessageDataError`.
 */
export function parseMessage<N extends MessageName>(subject: N, body: unknown): ParseResult<ParsedMessage<N>>;
export function parseMessage<N extends MessageName, const P extends FieldPath<MessageBySubject[N]>>(
  subject: N,
  body: unknown,
  read: readonly P[],
): ParseResult<{ ok: true; name: N; message: PickFields<MessageBySubject[N], P> }>;
export function parseMessage(subject: string, body: unknown): ParseResult<ParsedMessage>;
export function parseMessage(subject: string, body: unknown, read?: readonly string[]): ParseResult<{ ok: true; name: string; message: unknown }> {
  const definition = messageDefinitionOf(subject) ?? (Object.hasOwn(Messages, subject) ? messageDefinition(subject as MessageName) : undefined);
  if (definition === undefined) return { ok: false, error: { subject, reason: 'unknown_subject', detail: `no contract for ${subject}` } };
  const validated = definition.validate(body, read);
  if (validated.ok) return { ok: true, name: definition.name, message: validated.value };
  const { detail, field } = validated.refusal;
  return { ok: false, error: { subject, reason: 'invalid', detail: detail ?? 'the body breaks its contract', ...(field ? { field } : {}) } };
}
