import { IsString, Length } from 'class-validator';
import { IntegerAtLeast, IsoTime, Nested } from '../message';
import { ReservationReference } from './event-fields';
import { ledgerEventMessage, LotDraw } from './ledger-event';

/** The fields of ReservationCapturedV1 after ReservationReference's (see event-fields.ts). */
class ReservationCapturedFields extends ReservationReference {
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

/** `ReservationCaptured` v1: part or all of a hold spent; the rest released. */
export class ReservationCapturedV1 extends ReservationCapturedFields {}

/** `ledger.events.reservation-captured.v1`. */
export const ReservationCapturedMessage = ledgerEventMessage('ledger.events.reservation-captured.v1', 'ReservationCaptured', ReservationCapturedV1);
