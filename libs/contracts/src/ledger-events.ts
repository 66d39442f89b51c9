import { subject } from './subjects';

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
  /**
   * Stripe Connect: the connected account (`acct_…`) the money went to; the lot may be spent only
   * on domains connected to that account. Absent (events before Connect, and platform sales): null,
   * spendable as `scopeDomain` says.
   */
  scopeAccount?: string | null;
  /**
   * Stripe Connect: the platform's application fee kept from `amountMinor` (integer minor units,
   * same currency), present with `scopeAccount`; absent: none (a platform sale, or an older event).
   */
  applicationFeeMinor?: number | null;
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

/** `CreditsGranted` v1: credits given, not sold (promotion, goodwill, correction, a plan's period). */
export interface CreditsGrantedV1 {
  lotId: string;
  /** Idempotency key of the grant (the builder's, or `plan:<subscription>:<invoice>`). */
  grantId: string;
  email: string;
  /** Domain that granted the credits. */
  domain: string;
  credits: number;
  reason: string;
  /** `manual`: a builder's grant; `plan`: a subscription period's credits. */
  source: 'manual' | 'plan';
  /** Higher draws first among lots with the same expiry. */
  priority: number;
  scopeDomain: string | null;
  /** Stripe Connect: plan credits of a subscription billed on a connected account are spendable only on its domains; absent: null. */
  scopeAccount?: string | null;
  expiresAt: string | null;
  /** Subscription whose period granted the lot (plan credits); null otherwise. */
  subscriptionId: string | null;
  grantedAt: string;
}

/** `CreditsExpired` v1: a lot's unspent, unheld credits removed at its expiry time. */
export interface CreditsExpiredV1 {
  lotId: string;
  credits: number;
  balanceAfter: number;
  expiredAt: string;
}

/** `ConsumptionRefunded` v1: credits of a consumption returned to the very lots they came from. */
export interface ConsumptionRefundedV1 {
  /** Event id of the `CreditsConsumed` being refunded. */
  consumptionEventId: string;
  domain: string;
  referenceId: string;
  refundRequestId: string;
  credits: number;
  draws: LotDraw[];
  balanceAfter: number;
  refundedAt: string;
}

/**
 * `PurchaseRefunded` v1: a purchase's unused credits removed for a money refund of
 * `amountMinor` = floor(lot amount × credits / lot credits): unused credits at the lot's unit price.
 */
export interface PurchaseRefundedV1 {
  lotId: string;
  refundRequestId: string;
  credits: number;
  amountMinor: number;
  currency: string;
  paymentIntentId: string | null;
  checkoutSessionId: string;
  balanceAfter: number;
  refundedAt: string;
}

/** `PurchaseRefundReverted` v1: compensation when Stripe refused the money refund; the credits come back. */
export interface PurchaseRefundRevertedV1 {
  lotId: string;
  refundRequestId: string;
  credits: number;
  reason: string;
  balanceAfter: number;
  revertedAt: string;
}

/** `CreditsReserved` v1: a hold for a long job; held credits are not spendable by anything else. */
export interface CreditsReservedV1 {
  reservationId: string;
  domain: string;
  referenceId: string;
  credits: number;
  draws: LotDraw[];
  expiresAt: string;
  reservedAt: string;
}

/** `ReservationCaptured` v1: part or all of a hold spent; the rest released. */
export interface ReservationCapturedV1 {
  reservationId: string;
  domain: string;
  referenceId: string;
  actionType: string;
  credits: number;
  draws: LotDraw[];
  releasedCredits: number;
  balanceAfter: number;
  capturedAt: string;
}

/** `ReservationReleased` v1: a hold given back, by request or at its expiry. */
export interface ReservationReleasedV1 {
  reservationId: string;
  credits: number;
  reason: 'released' | 'expired';
  releasedAt: string;
}

/** `AccountFrozen` v1 / `AccountUnfrozen` v1: consumption refused while frozen (a dispute is open). */
export interface AccountFreezeV1 {
  reason: string;
  disputeId: string | null;
  at: string;
}

/**
 * `CreditsClawedBack` v1: a lost dispute takes back the disputed purchase: its remaining credits
 * (`credits`, from the lot) and the ones already used (`owedCredits`, which make the balance negative:
 * owed).
 */
export interface CreditsClawedBackV1 {
  lotId: string;
  disputeId: string;
  credits: number;
  owedCredits: number;
  balanceAfter: number;
  clawedBackAt: string;
}

/** `PlanCreditsSuspended` v1 / `PlanCreditsResumed` v1: a subscription's credits blocked after its payment grace / usable again. */
export interface PlanCreditsSuspensionV1 {
  subscriptionId: string;
  reason: string;
  at: string;
}

/**
 * `PlanCreditsEnded` v1: a subscription ended; its lots that would outlive the paid period (credits
 * that roll over) now expire at `endsAt` (the period end), like the period's other credits.
 */
export interface PlanCreditsEndedV1 {
  subscriptionId: string;
  lotIds: string[];
  endsAt: string;
  at: string;
}

/** Every ledger event type with its data, as a discriminated union. */
export type LedgerEvent =
  | { type: 'CreditsPurchased'; data: CreditsPurchasedV1 }
  | { type: 'CreditsConsumed'; data: CreditsConsumedV1 }
  | { type: 'CreditsGranted'; data: CreditsGrantedV1 }
  | { type: 'CreditsExpired'; data: CreditsExpiredV1 }
  | { type: 'ConsumptionRefunded'; data: ConsumptionRefundedV1 }
  | { type: 'PurchaseRefunded'; data: PurchaseRefundedV1 }
  | { type: 'PurchaseRefundReverted'; data: PurchaseRefundRevertedV1 }
  | { type: 'CreditsReserved'; data: CreditsReservedV1 }
  | { type: 'ReservationCaptured'; data: ReservationCapturedV1 }
  | { type: 'ReservationReleased'; data: ReservationReleasedV1 }
  | { type: 'AccountFrozen'; data: AccountFreezeV1 }
  | { type: 'AccountUnfrozen'; data: AccountFreezeV1 }
  | { type: 'CreditsClawedBack'; data: CreditsClawedBackV1 }
  | { type: 'PlanCreditsSuspended'; data: PlanCreditsSuspensionV1 }
  | { type: 'PlanCreditsResumed'; data: PlanCreditsSuspensionV1 }
  | { type: 'PlanCreditsEnded'; data: PlanCreditsEndedV1 };

/** Names of ledger event types. */
export type LedgerEventType = LedgerEvent['type'];

/** Version of each event type's data schema; bump by adding a new type version, never editing. */
export const LedgerEventSchemaVersions: Record<LedgerEventType, number> = {
  CreditsPurchased: 1,
  CreditsConsumed: 1,
  CreditsGranted: 1,
  CreditsExpired: 1,
  ConsumptionRefunded: 1,
  PurchaseRefunded: 1,
  PurchaseRefundReverted: 1,
  CreditsReserved: 1,
  ReservationCaptured: 1,
  ReservationReleased: 1,
  AccountFrozen: 1,
  AccountUnfrozen: 1,
  CreditsClawedBack: 1,
  PlanCreditsSuspended: 1,
  PlanCreditsResumed: 1,
  PlanCreditsEnded: 1,
};

/** The subject name of an event type: `ledger.events.<kebab-case type>.v<version>`. */
function eventSubject(type: LedgerEventType): string {
  const kebab = type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return subject(`ledger.events.${kebab}.v${LedgerEventSchemaVersions[type]}`);
}

/** Subject each ledger event type is published on. */
export const LedgerEventTypeSubjects = Object.fromEntries(
  (Object.keys(LedgerEventSchemaVersions) as LedgerEventType[]).map((type) => [type, eventSubject(type)]),
) as Record<LedgerEventType, string>;

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
