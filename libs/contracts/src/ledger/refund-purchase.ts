import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf,
} from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import type { Reply } from '../errors';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, CustomerOnDomain, idMessage, idPattern } from './command-fields';

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

/** `ledger.commands.refund-purchase.v1`: request/reply, queue group `ledger`. */
export const RefundPurchaseMessage = defineMessage<RefundPurchaseCommand, RefundPurchaseResult>()({ name: 'ledger.commands.refund-purchase.v1', kind: 'command', validate: strictly(RefundPurchaseCommand) });
