import { IsString, Length } from 'class-validator';
import { NormalizedDomain } from '../normalize';
import { IntegerAtLeast, IsoTime, Nested } from '../message';
import { ledgerEventMessage, LotDraw } from './ledger-event';

/** `CreditsReserved` v1: a hold for a long job; held credits are not spendable by anything else. */
export class CreditsReservedV1 {
  @IsString() @Length(1, 200)
  reservationId!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  referenceId!: string;

  @IntegerAtLeast(0)
  credits!: number;

  @Nested(() => LotDraw, true)
  draws!: LotDraw[];

  @IsoTime()
  expiresAt!: string;

  @IsoTime()
  reservedAt!: string;
}

/** `ledger.events.credits-reserved.v1`. */
export const CreditsReservedMessage = ledgerEventMessage('ledger.events.credits-reserved.v1', 'CreditsReserved', CreditsReservedV1);
