import { LedgerEventSubjects } from './subjects';

/**
 * The ledger's stored and published event format. Stored event types are a persisted format:
 * add versions, never edit old ones (STYLE.md, after Equinox). Credits are integers; money is
 * integer minor units plus an ISO 4217 currency.
 */

/** One lot a consumption drew credits from. */
export interface LotDraw {
  lotId: string;
  credits: number;
}

/** `CreditsPurchased` v1: a paid lot arrived from a Stripe payment. */
export interface CreditsPurchasedV1 {
  lotId: string;
  email: string;
  /** Domain that sold the offering. */
  domain: string;
  offeringId: string;
  credits: number;
  /** Total paid for the lot, integer minor units of `currency`; unit price = amountMinor / credits. */
  amountMinor: number;
  /** ISO 4217, lower-case as Stripe writes it (`usd`). */
  currency: string;
  stripeEventId: string;
  checkoutSessionId: string;
  paymentIntentId: string | null;
  /** Domain the lot may be spent on; null: anywhere in the portfolio. */
  scopeDomain: string | null;
  /** ISO-8601 time the lot expires; null: never. */
  expiresAt: string | null;
  purchasedAt: string;
}

/** `CreditsConsumed` v1: credits spent on a domain, drawn from named lots. */
export interface CreditsConsumedV1 {
  email: string;
  domain: string;
  credits: number;
  actionType: string;
  referenceId: string;
  draws: LotDraw[];
  /** The account balance after this event, credits. */
  balanceAfter: number;
  consumedAt: string;
}

/** Every ledger event type with its data, as a discriminated union. */
export type LedgerEvent =
  | { type: 'CreditsPurchased'; data: CreditsPurchasedV1 }
  | { type: 'CreditsConsumed'; data: CreditsConsumedV1 };

/** Names of ledger event types. */
export type LedgerEventType = LedgerEvent['type'];

/** Version of each event type's data schema; bump by adding a new type version, never editing. */
export const LedgerEventSchemaVersions: Record<LedgerEventType, number> = {
  CreditsPurchased: 1,
  CreditsConsumed: 1,
};

/** Subject each ledger event type is published on. */
export const LedgerEventTypeSubjects: Record<LedgerEventType, string> = {
  CreditsPurchased: LedgerEventSubjects.creditsPurchased,
  CreditsConsumed: LedgerEventSubjects.creditsConsumed,
};

/**
 * A ledger event as stored (one row of the events table) and as published on JetStream
 * (message body; `Nats-Msg-Id` = eventId).
 */
export interface LedgerEventEnvelope<E extends LedgerEvent = LedgerEvent> {
  eventId: string;
  type: E['type'];
  schemaVersion: number;
  /** `account-<email>`: one stream per customer account. */
  streamId: string;
  /** Gapless version of the event in its stream, from 1. */
  version: number;
  /** Global position in the events table (ordered replay). */
  position: number;
  occurredAt: string;
  data: E['data'];
  metadata: EventMetadata;
}

/** Tracing facts carried with every event. */
export interface EventMetadata {
  correlationId?: string;
  /** Id of the message (Stripe event id, command reference) that caused this event. */
  causationId?: string;
}
