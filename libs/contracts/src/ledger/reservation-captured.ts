import { IsString, Length } from 'class-validator';
import { NormalizedDomain } from '../normalize';
import { IntegerAtLeast, IsoTime, Nested } from '../message';
import { ledgerEventMessage, LotDraw } from './ledger-event';

/** `ReservationCaptured` v1: part or all of a hold spent; the rest released. */
export class ReservationCapturedV1 {
  @IsString() @Length(1, 200)
  reservationId!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  referenceId!: string;

  @IsString() @Length(1, 64)
  actionType!: string;

  @IntegerAtLeast(0)
  credits!: number;

  @Nested(() => LotDraw, true)
  draws!: LotDraw[];

  @IntegerAtLeast(0)
  releasedCredits!: number;

  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  capturedAt!: string;
}

/** `ledger.events.reservation-captured.v1`. */
export const ReservationCapturedMessage = ledgerEventMessage('ledger.events.reservation-captured.v1', 'ReservationCaptured', ReservationCapturedV1);
