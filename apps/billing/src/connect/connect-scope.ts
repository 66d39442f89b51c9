import { normalizeDomain } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { asObject, readMetadata } from '../stripe/stripe-objects';
import { VerifiedStripeEvent } from '../webhooks/webhook-verification';

/** Event types about the account itself (no customer, no domain in the object). */
const accountEventTypes: ReadonlySet<string> = new Set(['account.updated', 'account.application.deauthorized']);

/**
 * The domains an event's object names in billing's metadata: the object's own `metadata`
 * (checkout sessions, payment intents, charges and subscriptions carry billing's `domain` and
 * `scopeDomain`), and an invoice's subscription metadata (`subscription_details.metadata`, or
 * `parent.subscription_details.metadata` in newer API versions). Normalised, de-duplicated.
 */
export function domainsNamedBy(object: Record<string, unknown>): string[] {
  const sources = [
    object['metadata'],
    asObject(object['subscription_details'])?.['metadata'],
    asObject(asObject(object['parent'])?.['subscription_details'])?.['metadata'],
  ];
  const named = sources.flatMap((source) => {
    const metadata = readMetadata(source);
    return [metadata['domain'], metadata['scopeDomain']].filter((value): value is string => typeof value === 'string' && value !== '');
  });
  return [...new Set(named.map(normalizeDomain))];
}

/**
 * Why an event of a connected account must have no effect, or undefined when it may be handled.
 * A connected account can never credit, refund or dispute another domain's customers: its event is
 * refused when the account is not one billing connected (account events excepted: their handler
 * ignores unknown accounts), or when its object names (in billing's metadata) a domain that is not
 * connected to that account. Platform events (no `account`) are not checked here. The handlers
 * check, in addition, that a sale they find by id was made on the same account.
 */
export async function crossAccountRefusal(db: Queryable, event: VerifiedStripeEvent): Promise<string | undefined> {
  const account = event.account;
  if (account === undefined || accountEventTypes.has(event.type)) return undefined;
  const [known] = (await db.query('SELECT status FROM connected_accounts WHERE account_id = $1', [account])) as { status: string }[];
  if (!known) return `${account} is not a connected account of this hub`;
  return foreignDomainsRefusal(db, account, event.data.object);
}

/**
 * Why `object` (an event's object, or the same object re-fetched from Stripe on `account`) must
 * have no effect: it names (in billing's metadata) a domain that is not connected to `account`.
 * Undefined when every domain it names is the account's (or it names none).
 */
export async function foreignDomainsRefusal(db: Queryable, account: string, object: Record<string, unknown>): Promise<string | undefined> {
  const named = domainsNamedBy(object);
  if (named.length === 0) return undefined;
  const rows = (await db.query('SELECT domain FROM connected_account_domains WHERE account_id = $1 AND domain = ANY($2::text[])', [account, named])) as {
    domain: string;
  }[];
  const foreign = named.filter((domain) => !rows.some((row) => row.domain === domain));
  return foreign.length > 0 ? `the object names ${foreign.join(', ')}, not connected to ${account}` : undefined;
}

/**
 * Records on the event's inbox row (`stripe_events.refusal`, 500 characters at most) why a
 * handler gave it no effect; the outcome stays `ignored`.
 */
export async function recordRefusal(db: Queryable, event: Pick<VerifiedStripeEvent, 'id' | 'account'>, refusal: string): Promise<void> {
  await db.query('UPDATE stripe_events SET refusal = $3 WHERE account_id = $1 AND stripe_event_id = $2', [event.account ?? '', event.id, refusal.slice(0, 500)]);
}

/**
 * Whether a sale recorded on `recordedAccount` (null: the platform) may be affected by an event of
 * `eventAccount` (undefined: the platform): only by events of the same account.
 */
export function sameAccount(recordedAccount: string | null | undefined, eventAccount: string | undefined): boolean {
  return (recordedAccount ?? null) === (eventAccount ?? null);
}
