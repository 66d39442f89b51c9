import { CreditsConsumedMessage, CreditsPurchasedMessage, ledgerEventTypeOf, MessageBySubject, PickFields, readLedgerEnvelopeHead } from '@credit-hub/contracts';
import { MalformedMessageError, parseMessage } from '@credit-hub/messaging';

/**
 * The LEDGER events the usage read models fold, read by their contracts (`parseMessage`). A read
 * model must not trust the stream blindly (a field of the wrong type would poison a daily total
 * for good), and it checks what it reads: the fields below (a tolerant reader, so a field it does
 * not use cannot stop it). The envelope's `type` and `schemaVersion` choose the contract.
 */
const consumedFields = ['eventId', 'type', 'data.domain', 'data.actionType', 'data.credits', 'data.consumedAt'] as const;
const purchasedFields = ['eventId', 'type', 'data.domain', 'data.credits', 'data.amountMinor', 'data.currency', 'data.purchasedAt'] as const;

function readConsumed(body: unknown) {
  return parseMessage(CreditsConsumedMessage.name, body, consumedFields);
}

function readPurchased(body: unknown) {
  return parseMessage(CreditsPurchasedMessage.name, body, purchasedFields);
}

/** A ledger event the usage read models fold: its event id (the inbox key), type and the fields read. */
export type KnownLedgerEvent =
  | PickFields<MessageBySubject[typeof CreditsConsumedMessage.name], (typeof consumedFields)[number]>
  | PickFields<MessageBySubject[typeof CreditsPurchasedMessage.name], (typeof purchasedFields)[number]>;

/** What a LEDGER message is to the usage read models. */
export type UsageLedgerEvent =
  | { kind: 'known'; event: KnownLedgerEvent }
  /** A well-formed envelope of a type (or schema version) the usage read models do not fold: claimed and skipped. */
  | { kind: 'unknown'; eventId: string; type: string; schemaVersion: unknown };

/**
 * Reads a decoded LEDGER message body. Throws `MalformedMessageError` when a folded event breaks
 * its contract, or when the envelope has no event id (the consumer then naks it until its
 * `maxDeliver` and logs it as poison: nothing is claimed, so a fixed producer's redelivery counts).
 */
export function usageEventOf(body: unknown): UsageLedgerEvent {
  const type = ledgerEventTypeOf(body);
  const parsed = type === 'CreditsConsumed' ? readConsumed(body) : type === 'CreditsPurchased' ? readPurchased(body) : undefined;
  if (parsed?.ok) return { kind: 'known', event: parsed.message };
  if (parsed) throw new MalformedMessageError(parsed.error);
  const head = readLedgerEnvelopeHead(body);
  if (!head.ok) throw new MalformedMessageError({ subject: 'ledger.events', reason: 'invalid', detail: head.refusal.detail ?? 'not a ledger event envelope', field: head.refusal.field });
  return { kind: 'unknown', eventId: head.value.eventId, type: head.value.type, schemaVersion: head.value.schemaVersion };
}

/** The UTC calendar day (`YYYY-MM-DD`) of an ISO-8601 time already checked by `usageEventOf`. */
export function utcDay(isoTime: string): string {
  return new Date(Date.parse(isoTime)).toISOString().slice(0, 10);
}
