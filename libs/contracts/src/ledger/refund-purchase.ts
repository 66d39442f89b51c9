import { IsEmail, IsString, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedEmail } from '../normalize';
import { defineMessage, strictly } from '../message';
import { idMessage, idPattern } from './command-fields';

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
