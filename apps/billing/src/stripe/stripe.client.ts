import { Inject } from '@nestjs/common';
import Stripe from 'stripe';
import { BillingConfig } from '../billing.config';

/** Injection token of billing's Stripe SDK client. */
export const STRIPE_CLIENT = Symbol('STRIPE_CLIENT');

/** Decorator to inject the Stripe client. */
export const InjectStripe = (): ParameterDecorator => Inject(STRIPE_CLIENT);

/** Bound on one Stripe API call, ms; with 2 retries a call gives up after about a minute. */
const stripeRequestTimeoutMs = 20_000;

/**
 * SDK options for `STRIPE_API_BASE_URL`: the literal `stripe` keeps the SDK's own endpoint
 * (api.stripe.com over https); any other value is a base URL (the local stand-in) whose host,
 * port and protocol override the SDK's. Retries are bounded (2) and telemetry is off.
 */
export function stripeClientOptions(apiBaseUrl: string): Stripe.StripeConfig {
  const common: Stripe.StripeConfig = { maxNetworkRetries: 2, telemetry: false, timeout: stripeRequestTimeoutMs };
  if (apiBaseUrl === 'stripe') return common;
  const url = new URL(apiBaseUrl);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  const port = url.port !== '' ? Number(url.port) : protocol === 'https' ? 443 : 80;
  return { ...common, host: url.hostname, port, protocol };
}

/** Builds the Stripe client from billing's configuration. */
export function createStripeClient(config: BillingConfig): Stripe {
  return new Stripe(config.STRIPE_SECRET_KEY, stripeClientOptions(config.STRIPE_API_BASE_URL));
}

/** Nest provider of the Stripe client. */
export const stripeClientProvider = {
  provide: STRIPE_CLIENT,
  inject: [BillingConfig],
  useFactory: (config: BillingConfig) => createStripeClient(config),
};
