import { ConnectedAccountStatus } from '@credit-hub/contracts';

/** Basis points in a whole (10 000 bps = 100 %). */
export const basisPointsWhole = 10_000;

/**
 * The platform's application fee on a pack sold for `amountMinor` (integer minor units) on a
 * connected domain charging `bps` basis points: floor(amountMinor × bps / 10 000), in integer
 * arithmetic (rounded down: the builder never pays more than the rate). Stripe takes it as
 * `payment_intent_data.application_fee_amount` (https://docs.stripe.com/connect/direct-charges).
 * Throws RangeError for a negative or non-integer input or bps outside 0-10000.
 */
export function packApplicationFeeMinor(amountMinor: number, bps: number): number {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0) throw new RangeError(`amountMinor must be a non-negative integer, got ${amountMinor}`);
  if (!Number.isSafeInteger(bps) || bps < 0 || bps > basisPointsWhole) throw new RangeError(`bps must be an integer 0-10000, got ${bps}`);
  return Number((BigInt(amountMinor) * BigInt(bps)) / BigInt(basisPointsWhole));
}

/**
 * The fee of a plan as Stripe takes it on subscriptions: `subscription_data.application_fee_percent`
 * = bps / 100, a percentage with at most two decimals (Stripe's limit), so exact for integer bps.
 * Stripe computes the amount per invoice.
 */
export function planApplicationFeePercent(bps: number): number {
  if (!Number.isSafeInteger(bps) || bps < 0 || bps > basisPointsWhole) throw new RangeError(`bps must be an integer 0-10000, got ${bps}`);
  return bps / 100;
}

/**
 * The hub's status of a connected account from Stripe's flags: `disconnected` once deauthorized
 * (terminal until the builder onboards again), `ready` when charges are enabled and details
 * submitted, `restricted` when details were submitted but charges are not (or no longer) enabled,
 * `onboarding` before. Stripe: https://docs.stripe.com/connect/account-capabilities.
 */
export function connectedAccountStatus(flags: { chargesEnabled: boolean; detailsSubmitted: boolean; disconnected: boolean }): ConnectedAccountStatus {
  if (flags.disconnected) return 'disconnected';
  if (flags.chargesEnabled && flags.detailsSubmitted) return 'ready';
  if (flags.detailsSubmitted) return 'restricted';
  return 'onboarding';
}
