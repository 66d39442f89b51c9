import { CreditsConsumedV1, CreditsPurchasedV1, normalizeDomain } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { KnownLedgerEvent, utcDay } from '../ledger/ledger-event.parse';

/**
 * Folds one ledger event into the daily read models. Additive upserts, so it must run exactly once
 * per event: the caller claims the event id in the inbox in the same transaction.
 */
export async function projectLedgerEvent(db: Queryable, event: KnownLedgerEvent): Promise<void> {
  switch (event.type) {
    case 'CreditsConsumed':
      return addConsumption(db, event.data);
    case 'CreditsPurchased':
      return addPurchase(db, event.data);
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled ledger event ${JSON.stringify(unreachable)}`);
    }
  }
}

/** One consumption: `credits` added to the (domain, UTC day of consumedAt, actionType) row. */
async function addConsumption(db: Queryable, data: CreditsConsumedV1): Promise<void> {
  await db.query(
    `INSERT INTO usage_daily AS u (domain, day, action_type, credits_consumed, consumptions)
     VALUES ($1, $2::date, $3, $4, 1)
     ON CONFLICT (domain, day, action_type) DO UPDATE
       SET credits_consumed = u.credits_consumed + EXCLUDED.credits_consumed,
           consumptions = u.consumptions + EXCLUDED.consumptions`,
    [normalizeDomain(data.domain), utcDay(data.consumedAt), data.actionType, data.credits],
  );
}

/** One purchase: credits and money (minor units, per currency) added to the (domain, UTC day of purchasedAt) row. */
async function addPurchase(db: Queryable, data: CreditsPurchasedV1): Promise<void> {
  await db.query(
    `INSERT INTO purchases_daily AS p (domain, day, currency, credits_purchased, purchases, amount_minor)
     VALUES ($1, $2::date, $3, $4, 1, $5)
     ON CONFLICT (domain, day, currency) DO UPDATE
       SET credits_purchased = p.credits_purchased + EXCLUDED.credits_purchased,
           purchases = p.purchases + EXCLUDED.purchases,
           amount_minor = p.amount_minor + EXCLUDED.amount_minor`,
    [normalizeDomain(data.domain), utcDay(data.purchasedAt), data.currency.toLowerCase(), data.credits, data.amountMinor],
  );
}
