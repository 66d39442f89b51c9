import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf,
} from 'class-validator';
import { Limits } from './customer';
import { NormalizedDomain, NormalizedEmail } from './normalize';

/**
 * Ledger commands beyond consume (request/reply subjects in `LedgerSubjects`). Every one is
 * idempotent on the key named in its docstring: the same command again returns the first answer
 * with `repeated: true` and appends nothing.
 */

class CustomerOnDomain {
  @NormalizedEmail()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain()
  @IsString()
  @Length(1, Limits.domainLengthMax)
  @Matches(/^[a-z0-9.-]+$/i, { message: 'domain must be a host name such as yourproduct.com' })
  domain!: string;
}

const idPattern = /^[A-Za-z0-9_.:-]{1,200}$/;
const idMessage = 'must be 1-200 letters, digits or _.:-';

/** `GrantCredits`: a lot given by a domain (promotion, goodwill, correction). Idempotent on `grantId`. */
export class GrantCreditsCommand extends CustomerOnDomain {
  @Type(() => Number) @IsInt() @Min(1) @Max(Limits.creditsPerCommandMax)
  credits!: number;

  @IsString() @Matches(idPattern, { message: `grantId ${idMessage}` })
  grantId!: string;

  @IsString() @Length(1, 500)
  reason!: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(-1000) @Max(1000)
  priority?: number;

  @IsOptional() @IsISO8601({ strict: true })
  expiresAt?: string;

  /** Restrict the lot to the granting domain (`scope: domain`); default: usable across the portfolio. */
  @IsOptional() @IsIn(['portfolio', 'domain'])
  scope?: 'portfolio' | 'domain';

  /** `plan`: a subscription period's credits (billing); `manual` otherwise. */
  @IsOptional() @IsIn(['manual', 'plan'])
  source?: 'manual' | 'plan';

  @IsOptional() @IsString() @MaxLength(200)
  subscriptionId?: string;
}

/** Answer to GrantCredits. */
export interface GrantCreditsResult {
  lotId: string;
  eventId: string | null;
  balance: number;
  repeated: boolean;
}

/** `ReserveCredits`: a hold for a long job. Idempotent on `(domain, referenceId)`. */
export class ReserveCreditsCommand extends CustomerOnDomain {
  @Type(() => Number) @IsInt() @Min(1) @Max(Limits.creditsPerCommandMax)
  credits!: number;

  @IsString() @Length(1, Limits.referenceIdLengthMax)
  referenceId!: string;

  /** Seconds until the ledger releases the hold by itself (1 s to 7 days). */
  @Type(() => Number) @IsInt() @Min(1) @Max(7 * 24 * 3600)
  ttlSeconds!: number;
}

/** `CaptureReservation`: spend up to the reserved credits; the rest is released. Idempotent on the reservation. */
export class CaptureReservationCommand {
  @IsString() @Matches(idPattern, { message: `reservationId ${idMessage}` })
  reservationId!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  domain!: string;

  @Type(() => Number) @IsInt() @Min(0) @Max(Limits.creditsPerCommandMax)
  credits!: number;

  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'actionType must be 1-64 letters, digits or _.:-' })
  actionType?: string;
}

/** `ReleaseReservation`: give a hold back. Idempotent on the reservation. */
export class ReleaseReservationCommand {
  @IsString() @Matches(idPattern, { message: `reservationId ${idMessage}` })
  reservationId!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  domain!: string;
}

/** A reservation as the API shows it. */
export interface ReservationView {
  reservationId: string;
  email: string;
  domain: string;
  referenceId: string;
  status: 'active' | 'captured' | 'released' | 'expired';
  creditsReserved: number;
  creditsCaptured: number;
  expiresAt: string;
  /** Balance after, and what is spendable on the domain now (balance less holds). */
  balance: number;
  spendable: number;
  eventId: string | null;
  repeated: boolean;
}

/**
 * `RefundConsumptions`: return the credits of consumptions on `domain` to the lots they came from
 * (`ConsumptionRefunded`). Idempotent on `refundRequestId`. Names the consumptions either by
 * `referenceIds`, or by `consumedSince`: then the ledger itself picks, under the account's lock,
 * every consumption on the domain from that time on with credits not refunded yet, newest first
 * (so nothing it acknowledged is missed and nothing is refunded twice). Exactly one of the two.
 */
export class RefundConsumptionsCommand extends CustomerOnDomain {
  @IsString() @Matches(idPattern, { message: `refundRequestId ${idMessage}` })
  refundRequestId!: string;

  @ValidateIf((c: RefundConsumptionsCommand) => c.consumedSince === undefined)
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @IsString({ each: true }) @Length(1, Limits.referenceIdLengthMax, { each: true })
  referenceIds?: string[];

  /** The start of the refund window (ISO-8601); with it the ledger selects the consumptions. */
  @ValidateIf((c: RefundConsumptionsCommand) => c.referenceIds === undefined)
  @IsISO8601({ strict: true })
  consumedSince?: string;

  /** At most this many credits in total (a policy cap); default: everything not refunded yet. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Limits.creditsPerCommandMax)
  creditsMax?: number;
}

/** Answer to RefundConsumptions. */
export interface RefundConsumptionsResult {
  creditsRefunded: number;
  refunded: { referenceId: string; credits: number; eventId: string }[];
  balance: number;
  repeated: boolean;
}

/**
 * `RefundPurchase`: remove a purchase's unused credits for a money refund (`PurchaseRefunded`),
 * the first step of the money-refund saga. Idempotent on `refundRequestId`.
 */
export class RefundPurchaseCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsString() @Matches(idPattern, { message: `refundRequestId ${idMessage}` })
  refundRequestId!: string;

  @IsString() @Matches(idPattern, { message: `lotId ${idMessage}` })
  lotId!: string;
}

/** Answer to RefundPurchase: the credits removed and the money to refund for them. */
export interface RefundPurchaseResult {
  lotId: string;
  credits: number;
  /** floor(lot amount × credits / lot credits), integer minor units of `currency`. */
  amountMinor: number;
  currency: string;
  paymentIntentId: string | null;
  checkoutSessionId: string;
  balance: number;
  eventId: string | null;
  repeated: boolean;
}

/** `RevertPurchaseRefund`: compensation when Stripe refused the money refund. Idempotent on `refundRequestId`. */
export class RevertPurchaseRefundCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsString() @Matches(idPattern, { message: `refundRequestId ${idMessage}` })
  refundRequestId!: string;

  @IsString() @Length(1, 500)
  reason!: string;
}

/** `FreezeAccount` / `UnfreezeAccount`: a dispute opened / closed. Idempotent on `disputeId`. */
export class AccountDisputeCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsString() @Matches(idPattern, { message: `disputeId ${idMessage}` })
  disputeId!: string;

  @IsString() @Length(1, 500)
  reason!: string;
}

/** `ClawBackPurchase`: a lost dispute takes back the purchase paid by `paymentIntentId`. Idempotent on `disputeId`. */
export class ClawBackPurchaseCommand extends AccountDisputeCommand {
  @IsString() @Matches(idPattern, { message: `paymentIntentId ${idMessage}` })
  paymentIntentId!: string;
}

/** `SuspendPlanCredits` / `ResumePlanCredits`: a subscription's credits blocked / usable again. Idempotent. */
export class PlanCreditsCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsString() @Matches(idPattern, { message: `subscriptionId ${idMessage}` })
  subscriptionId!: string;

  @IsString() @Length(1, 500)
  reason!: string;
}

/** Answer of the account-state commands (freeze, unfreeze, claw back, suspend, resume, revert). */
export interface AccountChangeResult {
  balance: number;
  eventIds: string[];
  repeated: boolean;
}

/** `GetHistory`: the customer's events, newest first, cursor-paginated. */
export class GetHistoryQuery {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  /** Only events on this domain (and account-wide ones such as purchases from any domain if `includeAll`). */
  @IsOptional() @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  domain?: string;

  /** Opaque cursor from the previous page (the stream version to continue below). */
  @IsOptional() @IsString() @Matches(/^v\d{1,10}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;
}

/** One line of a customer's history, with the balance after it. */
export interface HistoryItem {
  eventId: string;
  type: string;
  version: number;
  occurredAt: string;
  domain: string | null;
  /** Signed change of the balance (credits). */
  creditsDelta: number;
  balanceAfter: number;
  referenceId: string | null;
  actionType: string | null;
  details: Record<string, unknown>;
}

/** A page of history. */
export interface HistoryPage {
  email: string;
  items: HistoryItem[];
  nextCursor: string | null;
}
