import { Type } from 'class-transformer';
import { Equals, IsIn, IsObject, IsString, Length, MaxLength, ValidateNested } from 'class-validator';
import { IntegerAtLeast, IsoTime, leniently, Nested, Nullable, defineMessage, Currency } from '../message';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { RefundCategories, RefundCategory, RefundFeedback, RefundKind, RefundKinds, RefundRequestView, RefundStatus, RefundStatuses } from './refund-model';

/** Types of the events on stream REFUNDS. */
export const RefundEventTypes = ['RefundRequested', 'RefundHeld', 'RefundCompleted', 'RefundFailed', 'RefundDenied'] as const;
export type RefundEventType = (typeof RefundEventTypes)[number];

/** The structured feedback of a refund request, as events carry it. */
export class RefundFeedbackFields implements RefundFeedback {
  @IsString() @MaxLength(2000)
  tried!: string;

  @IsString() @MaxLength(2000)
  didNotWork!: string;

  @IsString() @MaxLength(2000)
  wouldBringBack!: string;

  @IsIn(RefundCategories)
  category!: RefundCategory;

  @Nullable() @IntegerAtLeast(1)
  rating!: number | null;
}

/** Money refunded through Stripe: integer minor units of a lower-case ISO 4217 currency. */
export class RefundedMoney {
  @IntegerAtLeast(0)
  amountMinor!: number;

  @Currency()
  currency!: string;
}

/** A refund request as events carry it (`RefundRequestView`, validated field by field). */
export class RefundRequestSnapshot implements RefundRequestView {
  @IsString() @Length(1, 200)
  id!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsIn(RefundKinds)
  kind!: RefundKind;

  @IsIn(RefundStatuses)
  status!: RefundStatus;

  @Nested(() => RefundFeedbackFields)
  feedback!: RefundFeedbackFields;

  @IntegerAtLeast(0)
  creditsRequested!: number;

  @IntegerAtLeast(0)
  creditsRefunded!: number;

  @Nullable() @Type(() => RefundedMoney) @IsObject() @ValidateNested()
  moneyRefunded!: RefundedMoney | null;

  @Nullable() @IsString() @MaxLength(200)
  lotId!: string | null;

  @Nullable() @IsString() @MaxLength(200)
  stripeRefundId!: string | null;

  @Nullable() @IsString() @MaxLength(2000)
  reviewReason!: string | null;

  @Nullable() @IsString() @MaxLength(2000)
  failureReason!: string | null;

  @IsoTime()
  createdAt!: string;

  @IsoTime()
  updatedAt!: string;

  @Nullable() @IsoTime()
  completedAt!: string | null;
}

/**
 * An event on stream REFUNDS (`Nats-Msg-Id` = eventId = `<refundRequestId>:<type>`): a snapshot of
 * the request after the change, for analytics and outgoing webhooks. One class for the five
 * subjects (`refunds.events.refund-<requested|held|completed|failed|denied>.v1`, a file each).
 */
export class RefundEventV1 {
  @IsString() @Length(1, 300)
  eventId!: string;

  @IsIn(RefundEventTypes)
  type!: RefundEventType;

  @Equals(1)
  schemaVersion!: 1;

  @IsoTime()
  occurredAt!: string;

  @Nested(() => RefundRequestSnapshot)
  request!: RefundRequestSnapshot;
}

/** The message of one refund event type on its subject: the body's `type` must be `type` (when read). */
export function refundEventMessage<const N extends string>(name: N, type: RefundEventType) {
  return defineMessage<RefundEventV1>()({
    name,
    kind: 'event',
    validate: (body, read) => {
      const parsed = leniently(RefundEventV1)(body, read);
      if (parsed.ok && (read === undefined || read.includes('type')) && parsed.value.type !== type) return { ok: false, refusal: { code: 'validation_failed', detail: `type must be ${type} on this subject`, field: 'type' } };
      return parsed;
    },
  });
}

