import { normalizeDomain, normalizeEmail } from '@credit-hub/contracts';
import { Queryable } from '@credit-hub/messaging';
import { ChargeFacts } from '../stripe/stripe-objects';

/** Whose payment a charge was: the customer (email) and the domain that sold it. */
export interface ChargeOwner {
  email: string;
  domain: string;
}

/**
 * Finds who a charge belongs to, most trustworthy first: billing's own sale row (by payment
 * intent), the checkout metadata Stripe copied onto the charge, then — for subscription invoices,
 * whose charges carry no metadata — the Stripe customer's newest subscription with billing.
 * Undefined when none matches (a charge that is not billing's).
 */
export async function chargeOwner(db: Queryable, charge: ChargeFacts): Promise<ChargeOwner | undefined> {
  if (charge.paymentIntentId !== null) {
    const rows = (await db.query('SELECT email, domain FROM checkout_sessions WHERE payment_intent_id = $1 LIMIT 1', [charge.paymentIntentId])) as ChargeOwner[];
    if (rows[0]) return rows[0];
  }
  const { email, domain } = charge.metadata;
  if (email && domain) return { email: normalizeEmail(email), domain: normalizeDomain(domain) };
  if (charge.customerId !== null) {
    const rows = (await db.query(
      'SELECT email, domain FROM subscriptions WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 1',
      [charge.customerId],
    )) as ChargeOwner[];
    if (rows[0]) return rows[0];
  }
  return undefined;
}
