import { EntityManager } from 'typeorm';
import { HandleStripeWebhookResult } from '@credit-hub/contracts';
import { VerifiedStripeEvent } from './webhook-verification';

/** What billing did with one Stripe event. */
export type Outcome = HandleStripeWebhookResult['outcome'];

/**
 * One handler per family of Stripe event types. `handle` runs inside the webhook's transaction,
 * after the event id was claimed in the inbox; it may call Stripe (re-fetch) and write state and
 * outbox rows with `manager`. It throws only for failures a retry can fix (Stripe unreachable,
 * database conflict): the transaction rolls back, the inbox row with it, and Stripe delivers again.
 */
export interface StripeEventHandler {
  readonly types: readonly string[];
  handle(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome>;
}

/** The event's `created` and id: the time and name of everything it causes; and its connected account, if any. */
export function causeOf(event: VerifiedStripeEvent): { id: string; created: number; account?: string } {
  return event.account === undefined ? { id: event.id, created: event.created } : { id: event.id, created: event.created, account: event.account };
}
