/** What the webhook intake offers the other features. */
export type { Outcome, StripeEventHandler } from './stripe-event-handler';
export type { VerifiedStripeEvent } from './webhook-verification';
export { WebhookService } from './webhook.service';
