import { IsArray, IsString, Length } from 'class-validator';
import { IsoTime } from '../message';
import { ledgerEventMessage } from './ledger-event';

/**
 * `PlanCreditsEnded` v1: a subscription ended; its lots that would outlive the paid period (credits
 * that roll over) now expire at `endsAt` (the period end), like the period's other credits.
 */
export class PlanCreditsEndedV1 {
  @IsString() @Length(1, 200)
  subscriptionId!: string;

  @IsArray() @IsString({ each: true }) @Length(1, 200, { each: true })
  lotIds!: string[];

  @IsoTime()
  endsAt!: string;

  @IsoTime()
  at!: string;
}

/** `ledger.events.plan-credits-ended.v1`. */
export const PlanCreditsEndedMessage = ledgerEventMessage('ledger.events.plan-credits-ended.v1', 'PlanCreditsEnded', PlanCreditsEndedV1);
