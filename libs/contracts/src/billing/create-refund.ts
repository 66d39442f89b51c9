import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { defineMessage, strictly } from '../message';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `CreateStripeRefund` (billing): refund `amountMinor` of the payment intent through Stripe with
 * idempotency key = `refundRequestId`. Refused with `stripe_refund_refused` when Stripe declines
 * (not retryable), `stripe_unavailable` when it cannot be reached (retry with the same id).
 */
export class CreateStripeRefundCommand {
  @IsString() @Matches(uuidPattern, { message: 'refundRequestId must be a UUID' })
  refundRequestId!: string;

  @IsString() @Matches(/^pi_[A-Za-z0-9_]{1,200}$/, { message: 'paymentIntentId must be a Stripe payment intent id (pi_…)' })
  paymentIntentId!: string;

  @Type(() => Number) @IsInt() @Min(1) @Max(99_999_999)
  amountMinor!: number;

  @IsString() @Matches(/^[a-z]{3}$/, { message: 'currency must be a lower-case ISO 4217 code' })
  currency!: string;
}

/** Answer to CreateStripeRefund. */
export interface CreateStripeRefundResult {
  stripeRefundId: string;
  /** Stripe's refund status (`succeeded`, `pending`, …). */
  status: string;
  amountMinor: number;
  currency: string;
}

/** `billing.commands.create-refund.v1`: request/reply, queue group `billing` (the money-refund saga's call). */
export const CreateStripeRefundMessage = defineMessage<CreateStripeRefundCommand, CreateStripeRefundResult>()({
  name: 'billing.commands.create-refund.v1',
  kind: 'command',
  validate: strictly(CreateStripeRefundCommand),
});
