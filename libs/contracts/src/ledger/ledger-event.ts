import { IsIn, IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { defineMessage, IntegerAtLeast, IsoTime, MessageDefinition, Nested, validateEvent } from '../message';
import type { Validated } from '../validation';

/**
 * The ledger's stored and published event format. Stored event types are a persisted format:
 * add versions, never edit old ones (STYLE.md, after Equinox). Credits are integers; money is
 * integer minor units plus an ISO 4217 currency. Each event type has its file beside this one
 * (its data class, its subject `ledger.events.<kebab-case type>.v<version>`, its validator).
 */

/** One lot a consumption (capture, reservation, refund) drew credits from. */
export class LotDraw {
  @IsString() @Length(1, 200)
  lotId!: string;

  @IntegerAtLeast(0)
  credits!: number;
}

/** Tracing facts carried with every event. */
export class EventMetadata {
  @IsOptional() @IsString() @MaxLength(200)
  correlationId?: string;

  /** Id of the message (Stripe event id, command reference) that caused this event. */
  @IsOptional() @IsString() @MaxLength(300)
  causationId?: string;
}

/** Names of ledger event types (the `type` of an envelope). */
export const LedgerEventTypes = [
  'CreditsPurchased', 'CreditsConsumed', 'CreditsGranted', 'CreditsExpired', 'ConsumptionRefunded', 'PurchaseRefunded', 'PurchaseRefundReverted',
  'CreditsReserved', 'ReservationCaptured', 'ReservationReleased', 'AccountFrozen', 'AccountUnfrozen', 'CreditsClawedBack',
  'PlanCreditsSuspended', 'PlanCreditsResumed', 'PlanCreditsEnded',
] as const;

/** Longest event id accepted (an inbox key); the ledger's are UUIDs. */
const eventIdLengthMax = 200;

/**
 * The envelope of a ledger event, as stored (one row of the events table) and as published on
 * JetStream (message body; `Nats-Msg-Id` = eventId). `data` is validated by the event type's class.
 */
export class LedgerEventEnvelopeFields {
  @IsString() @Length(1, eventIdLengthMax)
  eventId!: string;

  @IsIn(LedgerEventTypes)
  type!: string;

  @IntegerAtLeast(1)
  schemaVersion!: number;

  /** `account-<email>`: one stream per customer account. */
  @IsString() @Matches(/^account-.+$/, { message: 'streamId must be account-<email>' }) @MaxLength(300)
  streamId!: string;

  /** Gapless version of the event in its stream, from 1. */
  @IntegerAtLeast(1)
  version!: number;

  /** Global position in the events table (ordered replay). */
  @IntegerAtLeast(0)
  position!: number;

  @IsoTime()
  occurredAt!: string;

  @IsObject({ message: 'data must be an object' })
  data!: object;

  /** Checked when present; an envelope without it is read as one without tracing facts. */
  @IsOptional() @Nested(() => EventMetadata)
  metadata!: EventMetadata;
}

/** A validated ledger event envelope of one type, with its data as that type's class. */
export type LedgerEnvelopeOf<Type extends string, Data> = Omit<LedgerEventEnvelopeFields, 'type' | 'data'> & { type: Type; data: Data };

/**
 * The message of one ledger event type: its subject `ledger.events.<kebab-case type>.v<version>`
 * and a validator of the whole envelope (the envelope's fields, `type` and `schemaVersion` equal
 * to this message's, then `data` by `dataClass`).
 */
export function ledgerEventMessage<const Type extends string, Data extends object, const N extends string>(
  name: N,
  type: Type,
  dataClass: new () => Data,
): MessageDefinition<N, LedgerEnvelopeOf<Type, Data>, never, 'event'> {
  return defineMessage<LedgerEnvelopeOf<Type, Data>>()({
    name,
    kind: 'event',
    validate: (body, read): Validated<LedgerEnvelopeOf<Type, Data>> => {
      const envelope = validateEvent(LedgerEventEnvelopeFields, body, '', read?.filter((path) => path !== 'data' && !path.startsWith('data.')).concat('type', 'schemaVersion'));
      if (!envelope.ok) return envelope;
      const version = Number(/\.v(\d+)$/.exec(name)?.[1]);
      if (envelope.value.type !== type) return { ok: false, refusal: { code: 'validation_failed', detail: `type must be ${type} on this subject`, field: 'type' } };
      if (envelope.value.schemaVersion !== version) return { ok: false, refusal: { code: 'validation_failed', detail: `schemaVersion must be ${version} on this subject`, field: 'schemaVersion' } };
      if (read !== undefined && !read.some((path) => path === 'data' || path.startsWith('data.'))) {
        return { ok: true, value: envelope.value as unknown as LedgerEnvelopeOf<Type, Data> };
      }
      const data = validateEvent(dataClass, envelope.value.data, 'data', read);
      if (!data.ok) return data;
      return { ok: true, value: Object.assign(envelope.value, { type, data: data.value }) as LedgerEnvelopeOf<Type, Data> };
    },
  });
}

/**
 * The head of a ledger envelope (`eventId`, `type`, `schemaVersion`), read without the rest: the
 * inbox key and the discriminator of the LEDGER stream, for an event a consumer does not read
 * (claimed and skipped), including a type or version newer than this code knows.
 */
export class LedgerEnvelopeHead {
  @IsString() @Length(1, eventIdLengthMax)
  eventId!: string;

  @IsString() @Length(1, 100)
  type!: string;

  schemaVersion!: unknown;
}

/** Validates the head of a ledger envelope (see `LedgerEnvelopeHead`). */
export function readLedgerEnvelopeHead(body: unknown): Validated<LedgerEnvelopeHead> {
  return validateEvent(LedgerEnvelopeHead, body);
}
