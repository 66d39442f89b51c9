import { normalizeDomain, normalizeEmail } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { ConsumedEvent } from './ledger-event.parse';

/**
 * Records one consumption as refundable (nothing refunded yet). Run in the transaction that claims
 * the event id in the inbox; `ON CONFLICT DO NOTHING` on the event id is a second guard, so a
 * replay with an emptied inbox still records each consumption once.
 */
export async function recordRefundableConsumption(db: Queryable, { eventId, data }: ConsumedEvent): Promise<void> {
  await db.query(
    `INSERT INTO refundable_consumptions
       (event_id, email, domain, credits, action_type, reference_id, draws, consumed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::timestamptz)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      eventId,
      normalizeEmail(data.email),
      normalizeDomain(data.domain),
      data.credits,
      data.actionType,
      data.referenceId,
      JSON.stringify(data.draws.map(({ lotId, credits }) => ({ lotId, credits }))),
      data.consumedAt,
    ],
  );
}
