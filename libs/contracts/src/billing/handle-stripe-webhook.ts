import { IsString, MaxLength } from 'class-validator';
import { defineMessage, strictly } from '../message';

/**
 * `HandleStripeWebhook` command: the gateway forwards the raw body and the `Stripe-Signature`
 * header untouched; billing verifies the signature (it owns the webhook secret).
 */
export class HandleStripeWebhookCommand {
  /** Raw request body, base64, byte for byte as received (the signature covers the raw bytes). */
  @IsString()
  @MaxLength(1_500_000)
  payloadBase64!: string;

  @IsString()
  @MaxLength(4096)
  signature!: string;
}

/** What billing did with a webhook event. */
export interface HandleStripeWebhookResult {
  outcome: 'processed' | 'duplicate' | 'ignored';
  stripeEventId: string;
  type: string;
}

/** `billing.commands.handle-stripe-webhook.v1`: request/reply, queue group `billing`. */
export const HandleStripeWebhookMessage = defineMessage<HandleStripeWebhookCommand, HandleStripeWebhookResult>()({
  name: 'billing.commands.handle-stripe-webhook.v1',
  kind: 'command',
  validate: strictly(HandleStripeWebhookCommand),
});
