import { normalizeDomain, normalizeEmail } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { ChargeFacts } from '../stripe/stripe-objects';

/** Whose payment a charge was: the customer (email) and the domain that sold it. */
export interface ChargeOwner {
  email: string;
  domain: string;
  /** The connected account the sale was made on, when billing's records say (null: the platform; undefined: not recorded). */
  connected_account_id?: string | null;
}

/**
 * Finds who a charge belongs to, most trustworthy first: billing's own sale row (by payment
 * intent), the checkout metadata Stripe copied onto the charge, then — for subscription invoices,
 * whose charges carry no metadata — the Stripe customer's newest subscription with billing.
 * Undefined when none matches (a charge that is not billing's).
 */
export async function chargeOwner(db: Queryable, charge: ChargeFacts): Promise<ChargeOwner | undefined> {
  return chargeOwnerAny(db, charge);
}

/**
 * `chargeOwner` as seen from the account an event came from (undefined: the platform): a sale
 * billing recorded on another account is not that account's (undefined), so a connected account
 * never refunds or disputes another builder's, or the platform's, customers.
 */
export async function chargeOwnerOn(db: Queryable, charge: ChargeFacts, account: string | undefined): Promise<ChargeOwner | undefined> {
  const owner = await chargeOwnerAny(db, charge);
  if (!owner) return undefined;
  if (owner.connected_account_id !== undefined) return (owner.connected_account_id ?? null) === (account ?? null) ? owner : undefined;
  return owner;
}

async function chargeOwnerAny(db: Queryable, charge: ChargeFacts): Promise<ChargeOwner | undefined> {
  if (charge.paymentIntentId !== null) {
    const rows = (await db.query('SELECT email, domain, connected_account_id FROM checkout_sessions WHERE payment_intent_id = $1 LIMIT 1', [charge.paymentIntentId])) as ChargeOwner[];
    if (rows[0]) return rows[0];
  }
  const { email, domain } = charge.metadata;
  if (email && domain) return { email: normalizeEmail(email), domain: normalizeDomain(domain) };
  if (charge.customerId !== null) {
    const rows = (await db.query(
      'SELECT email, domain, connected_account_id FROM subscriptions WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 1',
      [charge.customerId],
    )) as ChargeOwner[];
    if (rows[0]) return rows[0];
  }
  return undefined;
}
