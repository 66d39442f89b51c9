import { IsEmail, IsString, Length, Matches, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedEmail } from '../normalize';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, idMessage, idPattern } from './command-fields';

/** `SuspendPlanCredits` / `ResumePlanCredits`: a subscription's credits blocked / usable again. Idempotent. */
export class PlanCreditsCommand {
  @NormalizedEmail() @IsEmail() @MaxLength(Limits.emailLengthMax)
  email!: string;

  @IsString() @Matches(idPattern, { message: `subscriptionId ${idMessage}` })
  subscriptionId!: string;

  @IsString() @Length(1, 500)
  reason!: string;
}

/** `ledger.commands.suspend-plan-credits.v1`: request/reply, queue group `ledger`. */
export const SuspendPlanCreditsMessage = defineMessage<PlanCreditsCommand, AccountChangeResult>()({ name: 'ledger.commands.suspend-plan-credits.v1', kind: 'command', validate: strictly(PlanCreditsCommand) });
