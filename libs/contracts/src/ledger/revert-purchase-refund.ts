import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf,
} from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import type { Reply } from '../errors';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, CustomerOnDomain, idMessage, idPattern } from './command-fields';

/** `RevertPurchaseRefund`: compensation when Stripe refused the money refund. Idempotent on `refundRequestId`. */
export class RevertPurchaseRefundCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsString() @Matches(idPattern, { message: `refundRequestId ${idMessage}` })
  refundRequestId!: string;

  @IsString() @Length(1, 500)
  reason!: string;
}

/** `ledger.commands.revert-purchase-refund.v1`: request/reply, queue group `ledger`. */
export const RevertPurchaseRefundMessage = defineMessage<RevertPurchaseRefundCommand, AccountChangeResult>()({ name: 'ledger.commands.revert-purchase-refund.v1', kind: 'command', validate: strictly(RevertPurchaseRefundCommand) });
