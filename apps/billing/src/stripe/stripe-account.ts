import Stripe from 'stripe';

/**
 * Request options that make a Stripe call on a connected account: `stripeAccount` sets the
 * `Stripe-Account` header (https://docs.stripe.com/connect/authentication). `accountId` null is the
 * platform's own account (no header). `extra` adds other options (an idempotency key).
 * The key `stripeAccount` is always present, so stripe-node always reads the object as options.
 */
export function onAccount(accountId: string | null | undefined, extra: Omit<Stripe.RequestOptions, 'stripeAccount'> = {}): Stripe.RequestOptions {
  return { ...extra, stripeAccount: accountId ?? undefined };
}

/** Account label for logs: the connected account id, or `platform`. */
export function accountLabel(accountId: string | null | undefined): string {
  return accountId ?? 'platform';
}
