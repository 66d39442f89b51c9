import { IsString, Length } from 'class-validator';
import { IntegerAtLeast, IsoTime } from '../message';
import { ledgerEventMessage } from './ledger-event';

/** `CreditsExpired` v1: a lot's unspent, unheld credits removed at its expiry time. */
export class CreditsExpiredV1 {
  @IsString() @Length(1, 200)
  lotId!: string;

  @IntegerAtLeast(0)
  credits!: number;

  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  expiredAt!: string;
}

/** `ledger.events.credits-expired.v1`. */
export const CreditsExpiredMessage = ledgerEventMessage('ledger.events.credits-expired.v1', 'CreditsExpired', CreditsExpiredV1);
