import { normalizeDomain, normalizeEmail } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { ConsumedEvent, ConsumptionRefundEvent } from './ledger-event.parse';

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

/**
 * Records what the ledger refunded of a consumption for a refund request (`ConsumptionRefunded`).
 * Run in the transaction that claims the event id; the primary key is a second guard.
 */
export async function recordConsumptionRefund(db: Queryable, event: ConsumptionRefundEvent): Promise<void> {
  await db.query(
    `INSERT INTO ledger_consumption_refunds (event_id, refund_request_id, consumption_event_id, domain, reference_id, credits, refunded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)
     ON CONFLICT (event_id) DO NOTHING`,
    [event.eventId, event.refundRequestId, event.consumptionEventId, normalizeDomain(event.domain), event.referenceId, event.credits, event.refundedAt],
  );
}
