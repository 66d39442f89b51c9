import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf,
} from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import type { Reply } from '../errors';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, CustomerOnDomain, idMessage, idPattern } from './command-fields';
import { AccountDisputeCommand } from './freeze-account';

/** `ClawBackPurchase`: a lost dispute takes back the purchase paid by `paymentIntentId`. Idempotent on `disputeId`. */
export class ClawBackPurchaseCommand extends AccountDisputeCommand {
  @IsString() @Matches(idPattern, { message: `paymentIntentId ${idMessage}` })
  paymentIntentId!: string;
}

/** `ledger.commands.claw-back-purchase.v1`: request/reply, queue group `ledger`. */
export const ClawBackPurchaseMessage = defineMessage<ClawBackPurchaseCommand, AccountChangeResult>()({ name: 'ledger.commands.claw-back-purchase.v1', kind: 'command', validate: strictly(ClawBackPurchaseCommand) });
