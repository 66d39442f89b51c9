import { defineMessage, strictly } from '../message';
import { IsEmail, IsISO8601, Length, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';

/**
 * `GetRefundable` query, request/reply on `ledger.queries.get-refundable.v1`: what of one
 * customer's credits can be refunded on one domain, read from the ledger (the system of record)
 * at the moment of the query, so a consumption the ledger has acknowledged is always in it. The
 * refunds service asks it for the portal page and for every refund decision; it keeps no copy.
 */
export class GetRefundableQuery {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @NormalizedDomain() @Length(1, Limits.domainLengthMax)
  domain!: string;

  /** Consumptions at or after this time (ISO-8601: the start of the refund window). */
  @IsISO8601({ strict: true })
  consumedSince!: string;
}

/** A consumption (or captured hold) on the domain, with what of it was refunded before. Credits are integers. */
export interface RefundableConsumptionView {
  eventId: string;
  referenceId: string;
  actionType: string;
  credits: number;
  creditsRefunded: number;
  consumedAt: string;
}

/**
 * What a money refund of a purchase's unused credits pays now: `creditsUnused` are the lot's
 * credits neither spent nor held by a reservation, `amountMinor` = floor(lot amount × creditsUnused /
 * lot credits) in integer minor units of `currency`. Computed by the ledger's `purchaseRefundOffer`,
 * the very function its RefundPurchase command pays with: the offer is what will be paid.
 */
export interface PurchaseRefundOfferView {
  lotId: string;
  offeringId: string | null;
  creditsInitial: number;
  creditsUnused: number;
  amountMinor: number;
  currency: string;
  purchasedAt: string;
  expiresAt: string | null;
}

/** Answer to GetRefundable: `balance` is spendable on the domain (holds excluded). */
export interface RefundableView {
  email: string;
  domain: string;
  balance: number;
  /** Newest first, at most `RefundableLimits.consumptionsMax`. */
  consumptions: RefundableConsumptionView[];
  /** The customer's purchases made on this domain (never another domain's), newest first. */
  purchases: PurchaseRefundOfferView[];
}

/** Bounds of the refundable query and of a credit refund's selection. */
export const RefundableLimits = {
  /** Consumptions one answer lists (and one credit refund considers), newest first. */
  consumptionsMax: 2000,
  /** Consumptions one credit refund returns credits to. */
  consumptionsPerRefundMax: 500,
} as const;

/** `ledger.queries.get-refundable.v1`: request/reply, queue group `ledger`. */
export const GetRefundableMessage = defineMessage<GetRefundableQuery, RefundableView>()({ name: 'ledger.queries.get-refundable.v1', kind: 'query', validate: strictly(GetRefundableQuery) });
