import { IsString, Length, MaxLength } from 'class-validator';
import { IsoTime } from '../message';
import { ledgerEventMessage } from './ledger-event';

/** `PlanCreditsSuspended` v1 / `PlanCreditsResumed` v1: a subscription's credits blocked after its payment grace / usable again. */
export class PlanCreditsSuspensionV1 {
  @IsString() @Length(1, 200)
  subscriptionId!: string;

  @IsString() @MaxLength(500)
  reason!: string;

  @IsoTime()
  at!: string;
}

/** `ledger.events.plan-credits-suspended.v1`. */
export const PlanCreditsSuspendedMessage = ledgerEventMessage('ledger.events.plan-credits-suspended.v1', 'PlanCreditsSuspended', PlanCreditsSuspensionV1);
