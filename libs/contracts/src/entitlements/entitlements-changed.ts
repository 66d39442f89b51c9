import { IsBoolean, IsIn, IsObject, IsString, Length, ValidateBy } from 'class-validator';
import { defineMessage, IntegerAtLeast, IsoTime, leniently, Nested, Nullable } from '../message';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { CapLimits, capNamePattern, Caps, EntitlementState, EntitlementStatus, EntitlementTier } from './entitlement-model';

const statuses: EntitlementStatus[] = ['none', 'trialing', 'active', 'past_due', 'unpaid', 'canceled', 'incomplete', 'incomplete_expired', 'paused'];
const tiers: EntitlementTier[] = ['plan', 'free'];

/** Property decorator: caps (`Caps`): cap names to `true`/`false` or a limit 0..`CapLimits.limitMax`. */
function IsCaps(): PropertyDecorator {
  return ValidateBy({
    name: 'isCaps',
    validator: {
      validate: (value: unknown) =>
        value !== null && typeof value === 'object' && !Array.isArray(value) &&
        Object.entries(value).every(([name, cap]) => capNamePattern.test(name) && (typeof cap === 'boolean' || (Number.isSafeInteger(cap) && (cap as number) >= 0 && (cap as number) <= CapLimits.limitMax))),
      defaultMessage: (args) => `${args?.property ?? 'caps'} must map cap names to true/false or a limit`,
    },
  });
}

/** The published part of an entitlement (`EntitlementState`). */
export class EntitlementStateFields implements EntitlementState {
  @IsIn(tiers)
  tier!: EntitlementTier;

  @IsIn(statuses)
  status!: EntitlementStatus;

  @Nullable() @IsString() @Length(1, 200)
  offeringId!: string | null;

  @IsBoolean()
  paymentPastDue!: boolean;
}

/**
 * `entitlements.events.changed.v1`: a customer's entitlements on a domain changed (tier, status,
 * plan or past-due flag), at a webhook or at a boundary passed on Stripe's clock (trial end after a
 * cancellation, period end, grace end), whichever comes first; published once per change.
 * `Nats-Msg-Id` = `entitlements:<domain>:<email>:<version>`.
 */
export class EntitlementsChangedV1 extends EntitlementStateFields {
  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  /** 1, 2, …: the change's number for this customer on this domain. */
  @IntegerAtLeast(1)
  version!: number;

  @Nullable() @Nested(() => EntitlementStateFields)
  previous!: EntitlementStateFields | null;

  @IsObject() @IsCaps()
  caps!: Caps;

  @Nullable() @IsString() @Length(1, 200)
  subscriptionId!: string | null;

  /** When the change took effect (ISO-8601, Stripe's clock). */
  @IsoTime()
  at!: string;
}

/** `entitlements.events.changed.v1` (stream ENTITLEMENTS, billing's outbox). */
export const EntitlementsChangedMessage = defineMessage<EntitlementsChangedV1>()({ name: 'entitlements.events.changed.v1', kind: 'event', validate: leniently(EntitlementsChangedV1) });
