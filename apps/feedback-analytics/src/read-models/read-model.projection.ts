import { BillingEventSubjects, LedgerEventSchemaVersions, normalizeDomain, normalizeEmail } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { BatchedWrites, directWrites, Lot, MoneyColumn, queryRows, ReadModelWrites } from './read-model.writes';

/**
 * Folds one message of LEDGER, BILLING or REFUNDS into the read models (read-model-tables.ts).
 * Pure SQL on unqualified tables, no clock: the same messages give the same rows, live or in the
 * rebuild. Additive upserts, so each must run once per event: the caller claims the event id in
 * the inbox in the same transaction (live) or skips ids it has seen (rebuild).
 *
 * Money: a CreditsPurchased adds its amount to the day's gross sales and its Stripe Connect
 * application fee (if any) to the platform fee (`addSale`); revenue is recognised when paid
 * credits are consumed: per event, the sum over its draws
 * of lot amountMinor × credits / lot credits (purchased lots only; granted lots are worth 0),
 * floored once per event and per currency, on the UTC day of the event, for the domain that sold
 * the lot. A ConsumptionRefunded reverses the same way (floored per event) and counts its credits
 * as refunded under the action type of the consumption it refunds (rm_consumptions); a
 * PurchaseRefunded counts its own amountMinor as refunded (remembered in rm_purchase_refunds); a
 * PurchaseRefundReverted (Stripe refused the money refund; the event carries no amount) takes that
 * remembered amount back off the refund's own day, so the money that never left is not counted.
 */

/** Raised when a message cannot be trusted (the consumer naks it until maxDeliver, then poison). */
export class MalformedReadModelEventError extends Error {
  override name = 'MalformedReadModelEventError';
}

type Json = Record<string, unknown>;

/** The event id of a LEDGER envelope (the inbox key). */
export function ledgerEventId(body: unknown): string {
  return text(record(body, 'envelope'), 'eventId', 200);
}

/** A LEDGER envelope of a type and schema version the read models know. */
interface LedgerEnvelope {
  envelope: Json;
  type: keyof typeof LedgerEventSchemaVersions;
  data: Json;
}

/** The envelope of a LEDGER message, or null for a type or version the read models ignore. Throws when malformed. */
function ledgerEnvelope(body: unknown): LedgerEnvelope | null {
  const envelope = record(body, 'envelope');
  const type = text(envelope, 'type', 100);
  if (!Object.hasOwn(LedgerEventSchemaVersions, type)) return null;
  if (envelope['schemaVersion'] !== LedgerEventSchemaVersions[type as keyof typeof LedgerEventSchemaVersions]) return null;
  return { envelope, type: type as LedgerEnvelope['type'], data: record(envelope['data'], 'data') };
}

/**
 * The event types whose fold only adds to the read models (sums, first-write-wins inserts, LEAST)
 * and reads nothing but lots: a batch sums them in memory. Any other type reads rows earlier
 * events wrote (a consumption's action type, a purchase refund), so a batch writes what it summed
 * before folding it.
 */
const summedTypes: ReadonlySet<string> = new Set(['CreditsPurchased', 'CreditsGranted', 'CreditsConsumed', 'ReservationCaptured']);

/** Projects one LEDGER envelope. Unknown types and versions are ignored. */
export async function projectLedger(db: Queryable, body: unknown): Promise<void> {
  const event = ledgerEnvelope(body);
  if (event) await foldLedger(db, directWrites(db), event);
}

/**
 * Projects LEDGER envelopes delivered together (stream order), with the rows of `projectLedger`
 * on each in turn: the writes of the summed types go through one `BatchedWrites` (one statement
 * per table and batch), flushed before any other type is folded. Throws, having written nothing,
 * when any message is malformed; the caller's transaction holds the batch.
 */
export async function projectLedgerBatch(db: Queryable, bodies: readonly unknown[]): Promise<void> {
  const events = bodies.map(ledgerEnvelope);
  const batched = new BatchedWrites(db);
  const lotIds: string[] = [];
  for (const event of events) {
    if (!event || !summedTypes.has(event.type)) continue;
    if (typeof event.data['lotId'] === 'string') lotIds.push(event.data['lotId']);
    if (Array.isArray(event.data['draws'])) for (const draw of event.data['draws'] as Json[]) if (typeof draw?.['lotId'] === 'string') lotIds.push(draw['lotId']);
  }
  await batched.prefetchLots(lotIds);
  for (const event of events) {
    if (!event) continue;
    if (summedTypes.has(event.type)) {
      await foldLedger(db, batched, event);
      continue;
    }
    await batched.flush();
    await foldLedger(db, directWrites(db), event);
  }
  await batched.flush();
}

/** Folds one known LEDGER event: writes through `writes`, reads (only for the types not summed) from `db`. */
async function foldLedger(db: Queryable, writes: ReadModelWrites, { envelope, type, data }: LedgerEnvelope): Promise<void> {
  const email = () => accountEmail(envelope);
  switch (type) {
    case 'CreditsPurchased': {
      const domain = normalizeDomain(text(data, 'domain', 253));
      const day = utcDay(data, 'purchasedAt');
      const credits = integer(data, 'credits', 1);
      const lot: Lot = { domain, kind: 'purchased', credits, amountMinor: integer(data, 'amountMinor', 0), currency: text(data, 'currency', 3).toLowerCase() };
      const applicationFeeMinor = applicationFee(data, lot.amountMinor);
      await writes.insertLot(text(data, 'lotId', 200), lot);
      await writes.addCredits(domain, day, 'purchased', '', credits);
      await writes.addActivity(email(), domain, day);
      await writes.checkoutCompleted(text(data, 'checkoutSessionId', 200), domain, time(data, 'purchasedAt'));
      return addSale(db, domain, day, { ...lot, applicationFeeMinor });
    }
    case 'CreditsGranted': {
      const domain = normalizeDomain(text(data, 'domain', 253));
      const credits = integer(data, 'credits', 1);
      await writes.insertLot(text(data, 'lotId', 200), { domain, kind: 'granted', credits, amountMinor: 0, currency: '' });
      return writes.addCredits(domain, utcDay(data, 'grantedAt'), 'granted', '', credits);
    }
    case 'CreditsConsumed':
    case 'ReservationCaptured': {
      const domain = normalizeDomain(text(data, 'domain', 253));
      const day = utcDay(data, type === 'CreditsConsumed' ? 'consumedAt' : 'capturedAt');
      const credits = integer(data, 'credits', 0);
      if (credits === 0) return; // a capture of nothing
      const actionType = text(data, 'actionType', 64);
      await writes.addCredits(domain, day, 'consumed', actionType, credits);
      await writes.recordConsumption(text(envelope, 'eventId', 200), domain, actionType);
      await writes.addActivity(email(), domain, day);
      return addRevenue(writes, draws(data), day, 'recognised_minor');
    }
    case 'ConsumptionRefunded': {
      const domain = normalizeDomain(text(data, 'domain', 253));
      const day = utcDay(data, 'refundedAt');
      const consumption = await queryRows<{ action_type: string }>(db, `SELECT action_type FROM rm_consumptions WHERE event_id = $1`, [
        text(data, 'consumptionEventId', 200),
      ]);
      await writes.addCredits(domain, day, 'refunded', consumption[0]?.action_type ?? '', integer(data, 'credits', 0));
      return addRevenue(writes, draws(data), day, 'reversed_minor');
    }
    case 'CreditsExpired': {
      const lot = await writes.findLot(text(data, 'lotId', 200));
      if (lot) await writes.addCredits(lot.domain, utcDay(data, 'expiredAt'), 'expired', '', integer(data, 'credits', 0));
      return;
    }
    case 'PurchaseRefunded': {
      const lot = await writes.findLot(text(data, 'lotId', 200));
      if (!lot) return;
      const [day, currency, amountMinor] = [utcDay(data, 'refundedAt'), text(data, 'currency', 3).toLowerCase(), integer(data, 'amountMinor', 0)];
      await db.query(
        `INSERT INTO rm_purchase_refunds (lot_id, refund_request_id, domain, day, currency, amount_minor, reverted) VALUES ($1, $2, $3, $4::date, $5, $6, false)
         ON CONFLICT DO NOTHING`,
        [text(data, 'lotId', 200), text(data, 'refundRequestId', 200), lot.domain, day, currency, amountMinor],
      );
      await writes.addMoney(lot.domain, day, currency, 'refunded_minor', amountMinor);
      return;
    }
    case 'PurchaseRefundReverted': {
      // Only the first revert of a refund counts (reverted flips once).
      const reverted = await queryRows<{ domain: string; day: string; currency: string; amount_minor: string }>(
        db,
        `UPDATE rm_purchase_refunds SET reverted = true WHERE lot_id = $1 AND refund_request_id = $2 AND NOT reverted
         RETURNING domain, to_char(day, 'YYYY-MM-DD') AS day, currency, amount_minor::text`,
        [text(data, 'lotId', 200), text(data, 'refundRequestId', 200)],
      );
      const row = reverted[0];
      if (row) await writes.addMoney(row.domain, row.day, row.currency, 'refunded_minor', -Number(row.amount_minor));
      return;
    }
    default:
      return; // holds, releases, freezes, claw-backs, suspensions: not in these read models
  }
}

/** Projects one BILLING message (the body is the event's data; the subject is its type). */
export async function projectBilling(db: Queryable, subject: string, body: unknown): Promise<void> {
  const event = record(body, 'event');
  switch (subject) {
    case BillingEventSubjects.checkoutCreated:
      await db.query(
        `INSERT INTO rm_checkouts AS c (checkout_session_id, domain, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (checkout_session_id) DO UPDATE SET created_at = LEAST(COALESCE(c.created_at, EXCLUDED.created_at), EXCLUDED.created_at)`,
        [text(event, 'checkoutSessionId', 200), normalizeDomain(text(event, 'domain', 253)), time(event, 'createdAt')],
      );
      return;
    case BillingEventSubjects.subscriptionChanged: {
      const status = text(event, 'status', 40);
      const previous = event['previousStatus'] ?? null;
      // Converted: the first time a subscription is active (its first paid invoice), straight from the
      // trial or after a failed first payment (trialing → past_due → active). Only subscriptions with a
      // trial are counted (the reader filters on trial_started_at).
      const column = status === 'trialing' ? 'trial_started_at' : status === 'active' && previous !== null && previous !== 'active' ? 'converted_at' : null;
      if (column === null) return;
      await db.query(
        `INSERT INTO rm_trials AS t (subscription_id, domain, ${column}) VALUES ($1, $2, $3)
         ON CONFLICT (subscription_id) DO UPDATE SET ${column} = LEAST(COALESCE(t.${column}, EXCLUDED.${column}), EXCLUDED.${column})`,
        [text(event, 'subscriptionId', 200), normalizeDomain(text(event, 'domain', 253)), time(event, 'at')],
      );
      return;
    }
    case BillingEventSubjects.paymentFailed:
      return addBilling(db, event, 'payment_failed');
    case BillingEventSubjects.disputeOpened:
      return addBilling(db, event, 'dispute_opened');
    case BillingEventSubjects.disputeClosed:
      return addBilling(db, event, text(event, 'outcome', 10) === 'won' ? 'dispute_won' : 'dispute_lost');
    case BillingEventSubjects.applicationFeeRefunded:
      return refundFee(db, event);
    default:
      return;
  }
}

/** The inbox key of a BILLING message: the body's `eventId`, else billing's message id. */
export function billingEventId(body: unknown, messageId: string): string {
  const event = record(body, 'event');
  return typeof event['eventId'] === 'string' && event['eventId'].length > 0 ? (event['eventId'] as string) : messageId;
}

/** The inbox key of a REFUNDS message. */
export function refundEventId(body: unknown): string {
  return text(record(body, 'event'), 'eventId', 200);
}

/** Projects one REFUNDS message (`RefundEventV1`: a snapshot of the request; the latest wins). */
export async function projectRefund(db: Queryable, body: unknown): Promise<void> {
  const event = record(body, 'event');
  const request = record(event['request'], 'request');
  // A snapshot without feedback (none is written by the refunds service, but a test or an older
  // producer may) still counts as a refund, with empty texts.
  const feedback = request['feedback'] === undefined || request['feedback'] === null ? {} : record(request['feedback'], 'feedback');
  const rating = feedback['rating'];
  await db.query(
    `INSERT INTO rm_refunds AS r (refund_request_id, domain, email, kind, status, category, rating, tried, did_not_work, would_bring_back,
                                  credits_refunded, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (refund_request_id) DO UPDATE SET status = EXCLUDED.status, credits_refunded = EXCLUDED.credits_refunded, updated_at = EXCLUDED.updated_at
       WHERE EXCLUDED.updated_at >= r.updated_at`,
    [
      text(request, 'id', 200),
      normalizeDomain(text(request, 'domain', 253)),
      normalizeEmail(text(request, 'email', 254)),
      text(request, 'kind', 20),
      text(request, 'status', 40),
      optionalText(feedback, 'category', 40) || 'other',
      typeof rating === 'number' && Number.isSafeInteger(rating) ? rating : null,
      optionalText(feedback, 'tried', 4000),
      optionalText(feedback, 'didNotWork', 4000),
      optionalText(feedback, 'wouldBringBack', 4000),
      request['creditsRefunded'] === undefined ? 0 : integer(request, 'creditsRefunded', 0),
      request['createdAt'] === undefined ? time(event, 'occurredAt') : time(request, 'createdAt'),
      request['updatedAt'] === undefined ? time(event, 'occurredAt') : time(request, 'updatedAt'),
    ],
  );
}

async function addBilling(db: Queryable, event: Json, kind: string): Promise<void> {
  await db.query(
    `INSERT INTO rm_billing_daily AS b (domain, day, kind, events) VALUES ($1, $2::date, $3, 1)
     ON CONFLICT (domain, day, kind) DO UPDATE SET events = b.events + 1`,
    [normalizeDomain(text(event, 'domain', 253)), utcDay(event, 'at'), kind],
  );
}

/**
 * A pack sale on its payment day: the gross paid and the platform's Stripe Connect application fee
 * (`applicationFeeMinor` of a sale on a connected account, 0..amountMinor; 0 when absent: a
 * platform sale or an event from before Connect). One additive upsert of its own columns, so it
 * commutes with the batched money writes of the same row; purchases are rare next to
 * consumptions, so it is not batched.
 */
async function addSale(db: Queryable, domain: string, day: string, lot: Lot & { applicationFeeMinor?: number }): Promise<void> {
  const fee = lot.applicationFeeMinor ?? 0;
  if (lot.amountMinor === 0 && fee === 0) return;
  await db.query(
    `INSERT INTO rm_revenue_daily AS r (domain, day, currency, recognised_minor, reversed_minor, refunded_minor, gross_minor, platform_fee_minor)
     VALUES ($1, $2::date, $3, 0, 0, 0, $4, $5)
     ON CONFLICT (domain, day, currency) DO UPDATE SET gross_minor = r.gross_minor + EXCLUDED.gross_minor, platform_fee_minor = r.platform_fee_minor + EXCLUDED.platform_fee_minor`,
    [domain, day, lot.currency, lot.amountMinor, fee],
  );
}

/**
 * A money refund on a connected account gave part of the platform's fee back
 * (`application-fee-refunded.v1`): it comes off `platform_fee_minor` on the refund's UTC day, so the
 * platform fee shows what the platform kept. Gross sales stay what was paid at checkout (the money
 * refunded is in `refunded_minor`, from the ledger's PurchaseRefunded).
 */
async function refundFee(db: Queryable, event: Json): Promise<void> {
  const fee = integer(event, 'applicationFeeRefundedMinor', 0);
  if (fee === 0) return;
  await db.query(
    `INSERT INTO rm_revenue_daily AS r (domain, day, currency, recognised_minor, reversed_minor, refunded_minor, gross_minor, platform_fee_minor)
     VALUES ($1, $2::date, $3, 0, 0, 0, 0, $4)
     ON CONFLICT (domain, day, currency) DO UPDATE SET platform_fee_minor = r.platform_fee_minor + EXCLUDED.platform_fee_minor`,
    [normalizeDomain(text(event, 'domain', 253)), utcDay(event, 'at'), text(event, 'currency', 3).toLowerCase(), -fee],
  );
}

/** The platform's application fee of a CreditsPurchased (absent or null: 0), at most the amount paid. */
function applicationFee(data: Json, amountMinor: number): number {
  if (data['applicationFeeMinor'] === undefined || data['applicationFeeMinor'] === null) return 0;
  const fee = integer(data, 'applicationFeeMinor', 0);
  if (fee > amountMinor) fail('applicationFeeMinor', `at most amountMinor (${amountMinor})`);
  return fee;
}

/** Revenue of the draws of one event: per (seller domain, currency), floor(Σ amount × credits / lot credits). */
async function addRevenue(writes: ReadModelWrites, lotDraws: { lotId: string; credits: number }[], day: string, column: MoneyColumn): Promise<void> {
  const sums = new Map<string, { domain: string; currency: string; numerator: bigint; denominator: bigint }>();
  for (const draw of lotDraws) {
    const lot = await writes.findLot(draw.lotId);
    if (!lot || lot.kind !== 'purchased' || lot.credits <= 0) continue;
    const key = `${lot.domain}\u0000${lot.currency}`;
    const sum = sums.get(key) ?? { domain: lot.domain, currency: lot.currency, numerator: 0n, denominator: 1n };
    // sum + amount × credits / lotCredits, as an exact fraction
    const lotCredits = BigInt(lot.credits);
    sum.numerator = sum.numerator * lotCredits + BigInt(lot.amountMinor) * BigInt(draw.credits) * sum.denominator;
    sum.denominator = sum.denominator * lotCredits;
    sums.set(key, sum);
  }
  for (const sum of sums.values()) {
    const amount = Number(sum.numerator / sum.denominator); // BigInt division floors for non-negative values
    if (amount > 0) await writes.addMoney(sum.domain, day, sum.currency, column, amount);
  }
}

function draws(data: Json): { lotId: string; credits: number }[] {
  const value = data['draws'];
  if (!Array.isArray(value)) fail('data.draws', 'an array');
  return (value as unknown[]).map((item) => {
    const draw = record(item, 'draw');
    return { lotId: text(draw, 'lotId', 200), credits: integer(draw, 'credits', 0) };
  });
}

function accountEmail(envelope: Json): string {
  const streamId = text(envelope, 'streamId', 300);
  if (!streamId.startsWith('account-') || streamId.length === 'account-'.length) fail('streamId', 'account-<email>');
  return streamId.slice('account-'.length);
}

function record(value: unknown, what: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(what, 'a JSON object');
  return value as Json;
}

function text(object: Json, field: string, lengthMax: number): string {
  const value = object[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > lengthMax) fail(field, `a string of 1-${lengthMax} characters`);
  return value as string;
}

function optionalText(object: Json, field: string, lengthMax: number): string {
  const value = object[field];
  if (value === undefined || value === null || value === '') return '';
  return text(object, field, lengthMax);
}

function integer(object: Json, field: string, min: number): number {
  const value = object[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) fail(field, `a whole number >= ${min}`);
  return value as number;
}

function time(object: Json, field: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value.length > 64 || Number.isNaN(Date.parse(value))) fail(field, 'an ISO-8601 time');
  return new Date(Date.parse(value as string)).toISOString();
}

function utcDay(object: Json, field: string): string {
  return time(object, field).slice(0, 10);
}

function fail(field: string, expected: string): never {
  throw new MalformedReadModelEventError(`${field} must be ${expected}`);
}
