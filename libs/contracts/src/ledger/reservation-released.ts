import { IsIn, IsString, Length } from 'class-validator';
import { IntegerAtLeast, IsoTime } from '../message';
import { ledgerEventMessage } from './ledger-event';

/** `ReservationReleased` v1: a hold given back, by request or at its expiry. */
export class ReservationReleasedV1 {
  @IsString() @Length(1, 200)
  reservationId!: string;

  @IntegerAtLeast(0)
  credits!: number;

  @IsIn(['released', 'expired'])
  reason!: 'released' | 'expired';

  @IsoTime()
  releasedAt!: string;
}

/** `ledger.events.reservation-released.v1`. */
export const ReservationReleasedMessage = ledgerEventMessage('ledger.events.reservation-released.v1', 'ReservationReleased', ReservationReleasedV1);
