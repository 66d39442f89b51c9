import { defineMessage, strictly } from '../message';
import { AccountChangeResult } from './command-fields';
import { PlanCreditsCommand } from './suspend-plan-credits';

/** `ResumePlanCredits` (payment back), body as `SuspendPlanCredits`'s: request/reply, queue group `ledger`. */
export const ResumePlanCreditsMessage = defineMessage<PlanCreditsCommand, AccountChangeResult>()({ name: 'ledger.commands.resume-plan-credits.v1', kind: 'command', validate: strictly(PlanCreditsCommand) });
