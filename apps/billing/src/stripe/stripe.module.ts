import { Module } from '@nestjs/common';
import { StripeClock } from './stripe-clock';
import { stripeClientProvider } from './stripe.client';

/**
 * Shared infrastructure: the Stripe client (`@InjectStripe()`) and Stripe's clock (`StripeClock`,
 * the test clock's time when one is configured). Every feature that calls Stripe imports this
 * module; the pure readers beside it (`stripe-objects`, `stripe-account`) are imported as files.
 */
@Module({
  providers: [stripeClientProvider, StripeClock],
  exports: [stripeClientProvider, StripeClock],
})
export class StripeModule {}
