import { subject } from '../subjects';
import { AccountFreezeV1, AccountFrozenMessage } from './account-frozen';
import { AccountUnfrozenMessage } from './account-unfrozen';
import { ConsumptionRefundedMessage, ConsumptionRefundedV1 } from './consumption-refunded';
import { CreditsClawedBackMessage, CreditsClawedBackV1 } from './credits-clawed-back';
import { CreditsConsumedMessage, CreditsConsumedV1 } from './credits-consumed';
import { CreditsExpiredMessage, CreditsExpiredV1 } from './credits-expired';
import { CreditsGrantedMessage, CreditsGrantedV1 } from './credits-granted';
import { CreditsPurchasedMessage, CreditsPurchasedV1 } from './credits-purchased';
import { CreditsReservedMessage, CreditsReservedV1 } from './credits-reserved';
import { EventMetadata, LedgerEventTypes } from './ledger-event';
import { PlanCreditsEndedMessage, PlanCreditsEndedV1 } from './plan-credits-ended';
import { PlanCreditsResumedMessage } from './plan-credits-resumed';
import { PlanCreditsSuspendedMessage, PlanCreditsSuspensionV1 } from './plan-credits-suspended';
import { PurchaseRefundedMessage, PurchaseRefundedV1 } from './purchase-refunded';
import { PurchaseRefundRevertedMessage, PurchaseRefundRevertedV1 } from './purchase-refund-reverted';
import { ReservationCapturedMessage, ReservationCapturedV1 } from './reservation-captured';
import { ReservationReleasedMessage, ReservationReleasedV1 } from './reservation-released';

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

/** The message (subject, version, validator) of each ledger event type. */
export const LedgerEventMessages = {
  CreditsPurchased: CreditsPurchasedMessage,
  CreditsConsumed: CreditsConsumedMessage,
  CreditsGranted: CreditsGrantedMessage,
  CreditsExpired: CreditsExpiredMessage,
  ConsumptionRefunded: ConsumptionRefundedMessage,
  PurchaseRefunded: PurchaseRefundedMessage,
  PurchaseRefundReverted: PurchaseRefundRevertedMessage,
  CreditsReserved: CreditsReservedMessage,
  ReservationCaptured: ReservationCapturedMessage,
  ReservationReleased: ReservationReleasedMessage,
  AccountFrozen: AccountFrozenMessage,
  AccountUnfrozen: AccountUnfrozenMessage,
  CreditsClawedBack: CreditsClawedBackMessage,
  PlanCreditsSuspended: PlanCreditsSuspendedMessage,
  PlanCreditsResumed: PlanCreditsResumedMessage,
  PlanCreditsEnded: PlanCreditsEndedMessage,
} satisfies Record<LedgerEventType, { version: number; subject: string }>;

/** Version of each event type's data schema; bump by adding a new type version, never editing. */
export const LedgerEventSchemaVersions = Object.fromEntries(
  LedgerEventTypes.map((type) => [type, LedgerEventMessages[type].version]),
) as Record<LedgerEventType, number>;

/** The subject name of an event type: `ledger.events.<kebab-case type>.v<version>`. */
function eventSubject(type: LedgerEventType): string {
  const kebab = type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return subject(`ledger.events.${kebab}.v${LedgerEventSchemaVersions[type]}`);
}

/** Subject each ledger event type is published on. */
export const LedgerEventTypeSubjects = Object.fromEntries(
  LedgerEventTypes.map((type) => [type, eventSubject(type)]),
) as Record<LedgerEventType, string>;

/**
 * A ledger event as stored (one row of the events table) and as published on JetStream
 * (message body; `Nats-Msg-Id` = eventId). Validated by the message of its type (`LedgerEventMessages`).
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

/**
 * The type of a ledger event body, when it names one of `LedgerEventTypes` at the schema version
 * this code reads; undefined otherwise (a type or version this code does not know). The LEDGER
 * stream carries the union of these types; its envelope names the member (`type`,
 * `schemaVersion`), and the ledger publishes each on its subject `LedgerEventTypeSubjects[type]`.
 */
export function ledgerEventTypeOf(body: unknown): LedgerEventType | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { type, schemaVersion } = body as { type?: unknown; schemaVersion?: unknown };
  return typeof type === 'string' && (LedgerEventTypes as readonly string[]).includes(type) && LedgerEventSchemaVersions[type as LedgerEventType] === schemaVersion
    ? (type as LedgerEventType)
    : undefined;
}
