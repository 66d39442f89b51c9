import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedEmail } from '../normalize';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, idMessage, idPattern } from './command-fields';

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
