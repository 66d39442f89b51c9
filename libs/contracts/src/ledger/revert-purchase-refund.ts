import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedEmail } from '../normalize';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, idMessage, idPattern } from './command-fields';

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
