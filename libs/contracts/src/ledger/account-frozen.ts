import { IsString, Length, MaxLength } from 'class-validator';
import { IsoTime, Nullable } from '../message';
import { ledgerEventMessage } from './ledger-event';

/** `AccountFrozen` v1 / `AccountUnfrozen` v1: consumption refused while frozen (a dispute is open). */
export class AccountFreezeV1 {
  @IsString() @MaxLength(500)
  reason!: string;

  @Nullable() @IsString() @Length(1, 200)
  disputeId!: string | null;

  @IsoTime()
  at!: string;
}

/** `ledger.events.account-frozen.v1`. */
export const AccountFrozenMessage = ledgerEventMessage('ledger.events.account-frozen.v1', 'AccountFrozen', AccountFreezeV1);
