import { IsOptional, IsString, Length } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, IntegerAtLeast, IsoTime, leniently, Nullable } from '../message';

/**
 * `billing.events.plan-credits-granted.v1`: a subscription period was paid for (or started with a
 * trial): the ledger grants `credits` (a `CreditsGranted` with source `plan`, idempotent on
 * `grantId` = `plan:<subscriptionId>:<periodStart>`), expiring at `expiresAt` (null: rolls over).
 */
export class PlanCreditsGrantedV1 {
  @IsString() @Length(1, 300)
  stripeEventId!: string;

  @IsString() @Length(1, 300)
  grantId!: string;

  @IsString() @Length(1, 200)
  subscriptionId!: string;

  @Nullable() @IsString() @Length(1, 200)
  invoiceId!: string | null;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  offeringId!: string;

  @IntegerAtLeast(1)
  credits!: number;

  @IsoTime()
  periodStart!: string;

  @IsoTime()
  periodEnd!: string;

  @Nullable() @IsoTime()
  expiresAt!: string | null;

  @IsoTime()
  grantedAt!: string;

  /** Stripe Connect: the connected account the subscription bills on; null (or absent, older messages): the platform. */
  @IsOptional() @IsString() @Length(1, 200)
  connectedAccountId?: string | null = null;
}

/** `billing.events.plan-credits-granted.v1`. */
export const PlanCreditsGrantedMessage = defineMessage<PlanCreditsGrantedV1>()({ name: 'billing.events.plan-credits-granted.v1', kind: 'event', validate: leniently(PlanCreditsGrantedV1) });
