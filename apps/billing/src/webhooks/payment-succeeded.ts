import { normalizeDomain, normalizeEmail, PaymentSucceededV1 } from '@credit-hub/contracts';
import { VerifiedStripeEvent } from './webhook-verification';

/** Event types whose session, once `paid`, means credits were bought (async methods pay later). */
export const paidCheckoutEventTypes: ReadonlySet<string> = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
]);

/** A `checkout_sessions` row: what billing sold when it opened the session. */
export interface CheckoutSessionRow {
  id: string;
  domain: string;
  offering_id: string;
  email: string;
  credits: number;
  amount_minor: number;
  currency: string;
  scope_domain: string | null;
  status: 'open' | 'completed';
  /** The connected account the session was created on (null: the platform). */
  connected_account_id?: string | null;
  /** The application fee asked on it, integer minor units (null: none). */
  application_fee_minor?: number | null;
}

/** The payment to publish, plus disagreements between Stripe's copy and ours (logged by the caller). */
export type PaymentDecision =
  | { ok: true; payment: PaymentSucceededV1; mismatches: string[] }
  | { ok: false; why: string };

/**
 * The Checkout Session of `event` if the event means a credit pack was paid: a paid-session event
 * type, `mode: 'payment'` and `payment_status: 'paid'`. Undefined for every other event
 * (an unpaid completion of a delayed payment method, subscriptions, other objects).
 */
export function paidPackSession(event: VerifiedStripeEvent): Record<string, unknown> | undefined {
  const session = event.data.object;
  if (!paidCheckoutEventTypes.has(event.type) || session['object'] !== 'checkout.session') return undefined;
  if (session['mode'] !== 'payment' || session['payment_status'] !== 'paid') return undefined;
  return session;
}

/**
 * Builds `PaymentSucceededV1` from a paid session and, when billing opened it, its row.
 * What was bought (domain, offering, email, credits, scope) comes from the session metadata and is
 * cross-checked against the row; on disagreement the row wins (it is billing's own record of the
 * sale, metadata can be edited in the Stripe dashboard) and the mismatch is reported.
 * Money: `amountMinor` = the session's `amount_total` (what was actually charged, minor units).
 * Connect: `connectedAccountId` = the event's account (null on the platform); `applicationFeeMinor`
 * = the fee billing asked when it opened the session (null without a row or on the platform).
 * Refuses (ok: false) a session billing cannot attribute (no row and incomplete metadata).
 */
export function decidePayment(event: VerifiedStripeEvent, session: Record<string, unknown>, row: CheckoutSessionRow | undefined): PaymentDecision {
  const metadata = readMetadata(session['metadata']);
  const fromStripe = {
    domain: metadata['domain'] !== undefined ? normalizeDomain(metadata['domain']) : undefined,
    offeringId: metadata['offeringId'],
    email: metadata['email'] !== undefined ? normalizeEmail(metadata['email']) : undefined,
    credits: parseCredits(metadata['credits']),
    scopeDomain: metadata['scopeDomain'] ?? null,
  };
  const bought = row
    ? { domain: row.domain, offeringId: row.offering_id, email: row.email, credits: row.credits, scopeDomain: row.scope_domain }
    : fromStripe;
  if (bought.domain === undefined || bought.offeringId === undefined || bought.email === undefined || bought.credits === undefined) {
    return { ok: false, why: 'the session has no checkout row and its metadata lacks domain, offeringId, email or credits' };
  }
  const amountMinor = session['amount_total'];
  const currency = session['currency'];
  if (!Number.isSafeInteger(amountMinor) || (amountMinor as number) < 0 || typeof currency !== 'string' || !/^[a-z]{3}$/i.test(currency)) {
    return { ok: false, why: 'the session has no valid amount_total and currency' };
  }
  const mismatches = row ? compare(fromStripe, bought, { amountMinor: amountMinor as number, currency: currency.toLowerCase() }, row) : [];
  const payment: PaymentSucceededV1 = {
    stripeEventId: event.id,
    checkoutSessionId: String(session['id']),
    paymentIntentId: readId(session['payment_intent']),
    domain: bought.domain,
    offeringId: bought.offeringId,
    email: bought.email,
    credits: bought.credits,
    amountMinor: amountMinor as number,
    currency: currency.toLowerCase(),
    scopeDomain: bought.scopeDomain,
    paidAt: new Date(event.created * 1000).toISOString(),
    connectedAccountId: event.account ?? null,
    applicationFeeMinor: event.account !== undefined ? (row?.application_fee_minor ?? null) : null,
  };
  return { ok: true, payment, mismatches };
}

type Bought = { domain?: string; offeringId?: string; email?: string; credits?: number; scopeDomain: string | null };

function compare(stripe: Bought, ours: Bought, charged: { amountMinor: number; currency: string }, row: CheckoutSessionRow): string[] {
  const mismatches: string[] = [];
  for (const key of ['domain', 'offeringId', 'email', 'credits', 'scopeDomain'] as const) {
    if (stripe[key] !== ours[key]) mismatches.push(`${key}: metadata ${JSON.stringify(stripe[key])} vs row ${JSON.stringify(ours[key])}`);
  }
  if (charged.amountMinor !== row.amount_minor) mismatches.push(`amount: charged ${charged.amountMinor} vs sold ${row.amount_minor}`);
  if (charged.currency !== row.currency) mismatches.push(`currency: charged ${charged.currency} vs sold ${row.currency}`);
  return mismatches;
}

function readMetadata(value: unknown): Record<string, string | undefined> {
  if (value === null || typeof value !== 'object') return {};
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === 'string' && v !== '');
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseCredits(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9]\d{0,8}$/.test(value)) return undefined;
  return Number(value);
}

/** An expandable Stripe reference: the id string, or the expanded object's id. */
function readId(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
}
