import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf,
} from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import type { Reply } from '../errors';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, CustomerOnDomain, idMessage, idPattern } from './command-fields';

/** `FreezeAccount` / `UnfreezeAccount`: a dispute opened / closed. Idempotent on `disputeId`. */
export class AccountDisputeCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsString() @Matches(idPattern, { message: `disputeId ${idMessage}` })
  disputeId!: string;

  @IsString() @Length(1, 500)
  reason!: string;
}

/** `ledger.commands.freeze-account.v1`: request/reply, queue group `ledger`. */
export const FreezeAccountMessage = defineMessage<AccountDisputeCommand, AccountChangeResult>()({ name: 'ledger.commands.freeze-account.v1', kind: 'command', validate: strictly(AccountDisputeCommand) });
