import { Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf,
} from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import type { Reply } from '../errors';
import { defineMessage, strictly } from '../message';
import { AccountChangeResult, CustomerOnDomain, idMessage, idPattern } from './command-fields';

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
