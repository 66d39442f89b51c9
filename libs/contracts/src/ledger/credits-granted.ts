import { IsOptional, IsIn, IsString, Length, MaxLength } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { IntegerAtLeast, IsoTime, Nullable } from '../message';
import { ledgerEventMessage } from './ledger-event';

/** `CreditsGranted` v1: credits given, not sold (promotion, goodwill, correction, a plan's period). */
export class CreditsGrantedV1 {
  @IsString() @Length(1, 200)
  lotId!: string;

  /** Idempotency key of the grant (the builder's, or `plan:<subscription>:<invoice>`). */
  @IsString() @Length(1, 300)
  grantId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  /** Domain that granted the credits. */
  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IntegerAtLeast(1)
  credits!: number;

  @IsString() @MaxLength(500)
  reason!: string;

  /** `manual`: a builder's grant; `plan`: a subscription period's credits. */
  @IsIn(['manual', 'plan'])
  source!: 'manual' | 'plan';

  /** Higher draws first among lots with the same expiry. */
  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  priority!: number;

  @Nullable() @NormalizedDomain() @IsString() @Length(1, 253)
  scopeDomain!: string | null;

  /** Stripe Connect: plan credits of a subscription billed on a connected account are spendable only on its domains; absent: null. */
  @IsOptional() @IsString() @Length(1, 200)
  scopeAccount?: string | null;

  @Nullable() @IsoTime()
  expiresAt!: string | null;

  /** Subscription whose period granted the lot (plan credits); null otherwise. */
  @Nullable() @IsString() @MaxLength(200)
  subscriptionId!: string | null;

  @IsoTime()
  grantedAt!: string;
}

/** `ledger.events.credits-granted.v1`. */
export const CreditsGrantedMessage = ledgerEventMessage('ledger.events.credits-granted.v1', 'CreditsGranted', CreditsGrantedV1);
