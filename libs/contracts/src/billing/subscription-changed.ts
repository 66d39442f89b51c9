import { IsBoolean, IsIn, IsString, Length } from 'class-validator';
import { SubscriptionCustomer } from './event-fields';
import { defineMessage, IsoTime, leniently, Nullable } from '../message';

/** Subscription statuses as Stripe names them. */
export const SubscriptionStatuses = ['trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused'] as const;
export type SubscriptionStatus = (typeof SubscriptionStatuses)[number];

/** The fields of SubscriptionChangedV1 after SubscriptionCustomer's (see event-fields.ts). */
class SubscriptionChangedFields extends SubscriptionCustomer {
  @IsString() @Length(1, 200)
  offeringId!: string;

  @IsIn(SubscriptionStatuses)
  status!: SubscriptionStatus;

  @Nullable() @IsIn(SubscriptionStatuses)
  previousStatus!: SubscriptionStatus | null;

  @Nullable() @IsoTime()
  trialEnd!: string | null;

  @Nullable() @IsoTime()
  currentPeriodEnd!: string | null;

  @IsBoolean()
  cancelAtPeriodEnd!: boolean;

  /** End of the payment grace when past due, else null. */
  @Nullable() @IsoTime()
  graceEndsAt!: string | null;

  @IsoTime()
  at!: string;
}

/** `billing.events.subscription-changed.v1`: status, period or plan of a subscription changed (entitlements, analytics). */
export class SubscriptionChangedV1 extends SubscriptionChangedFields {}

/** `billing.events.subscription-changed.v1`. */
export const SubscriptionChangedMessage = defineMessage<SubscriptionChangedV1>()({ name: 'billing.events.subscription-changed.v1', kind: 'event', validate: leniently(SubscriptionChangedV1) });
