import { IsString, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, idMessage, idPattern } from './command-fields';
import { AccountDisputeCommand } from './freeze-account';

/** `ClawBackPurchase`: a lost dispute takes back the purchase paid by `paymentIntentId`. Idempotent on `disputeId`. */
export class ClawBackPurchaseCommand extends AccountDisputeCommand {
  @IsString() @Matches(idPattern, { message: `paymentIntentId ${idMessage}` })
  paymentIntentId!: string;
}

/** `ledger.commands.claw-back-purchase.v1`: request/reply, queue group `ledger`. */
export const ClawBackPurchaseMessage = defineMessage<ClawBackPurchaseCommand, AccountChangeResult>()({ name: 'ledger.commands.claw-back-purchase.v1', kind: 'command', validate: strictly(ClawBackPurchaseCommand) });
