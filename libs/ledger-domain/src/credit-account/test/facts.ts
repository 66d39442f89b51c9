/**
 * Facts and commands of one account (ada@example.com on a.test) for the `given/when/then` specs:
 * `bought` is an event (a paid lot), the others are decisions as functions of the state, usable in
 * a history (they must be accepted) or in `when`. Credits are integers; money is integer minor
 * units of `usd`. Time is `t0` and `later(hours)` (ISO-8601).
 */
import { LedgerEvent } from '@credit-hub/contracts';
import {
  decideConsume, decideGrant, decideRefundConsumptions, decideRefundPurchase, decideReserve, GrantCredits, RefundConsumptions,
} from '../credit-account.decide';
import { Decide } from './given';

export const t0 = '2026-11-20T12:00:00.000Z';
export const later = (hours: number): string => new Date(Date.parse(t0) + hours * 3_600_000).toISOString();
export const email = 'ada@example.com';
export const domain = 'a.test';

/** A paid lot `lot_<session>` of `credits` for `amountMinor` (default 100 per credit), payment intent `pi_<session>`. */
export function bought(credits: number, session: string, amountMinor = credits * 100): LedgerEvent {
  return { type: 'CreditsPurchased', data: {
    lotId: `lot_${session}`, email, domain, offeringId: 'pack', credits, amountMinor, currency: 'usd', stripeEventId: `evt_${session}`,
    checkoutSessionId: session, paymentIntentId: `pi_${session}`, scopeDomain: null, expiresAt: null, purchasedAt: t0 } };
}

/** The grant command of `credits` as lot `lot_grant_<grantId>` (manual, priority 0, no expiry unless `extra` says). */
export function grantCommand(credits: number, grantId: string, extra: Partial<GrantCredits> = {}): GrantCredits {
  return { lotId: `lot_grant_${grantId}`, email, domain, credits, grantId, reason: 'promo', source: 'manual', priority: 0, scopeDomain: null, expiresAt: null, subscriptionId: null, now: t0, ...extra };
}

/** Grants `credits` (decideGrant). */
export const granted = (credits: number, grantId: string, extra: Partial<GrantCredits> = {}): Decide => (s) => decideGrant(grantCommand(credits, grantId, extra), s);

/** Consumes `credits` under `referenceId` on a.test (decideConsume, action `gen`). */
export const consumed = (credits: number, referenceId: string, now = t0, onDomain = domain): Decide =>
  (s) => decideConsume({ email, domain: onDomain, credits, actionType: 'gen', referenceId, now }, s);

/** Holds `credits` as reservation `reservationId` for `referenceId`, expiring at `expiresAt` (decideReserve). */
export const reserved = (reservationId: string, credits: number, referenceId: string, expiresAt = later(1)): Decide =>
  (s) => decideReserve({ reservationId, email, domain, credits, referenceId, expiresAt, now: t0 }, s);

/** Refunds consumptions as refund request `refundRequestId` (decideRefundConsumptions). */
export const creditsRefunded = (command: Omit<RefundConsumptions, 'email' | 'domain' | 'now'> & { now?: string }): Decide =>
  (s) => decideRefundConsumptions({ email, domain, now: t0, ...command } as RefundConsumptions, s);

/** Refunds the money of lot `lotId` as refund request `refundRequestId` (decideRefundPurchase). */
export const purchaseRefunded = (refundRequestId: string, lotId = 'lot_cs'): Decide => (s) => decideRefundPurchase({ refundRequestId, lotId, now: t0 }, s);

/** The `draws` of the first event (a consumption or a credits refund). */
export function draws(events: LedgerEvent[]): unknown {
  return (events[0].data as { draws: unknown }).draws;
}
