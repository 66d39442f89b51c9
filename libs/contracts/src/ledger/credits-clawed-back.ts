import { IsString, Length } from 'class-validator';
import { IntegerAtLeast, IsoTime } from '../message';
import { ledgerEventMessage } from './ledger-event';

/**
 * `CreditsClawedBack` v1: a lost dispute takes back the disputed purchase: its remaining credits
 * (`credits`, from the lot) and the ones already used (`owedCredits`, which make the balance negative:
 * owed).
 */
export class CreditsClawedBackV1 {
  @IsString() @Length(1, 200)
  lotId!: string;

  @IsString() @Length(1, 200)
  disputeId!: string;

  @IntegerAtLeast(0)
  credits!: number;

  @IntegerAtLeast(0)
  owedCredits!: number;

  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  clawedBackAt!: string;
}

/** `ledger.events.credits-clawed-back.v1`. */
export const CreditsClawedBackMessage = ledgerEventMessage('ledger.events.credits-clawed-back.v1', 'CreditsClawedBack', CreditsClawedBackV1);
