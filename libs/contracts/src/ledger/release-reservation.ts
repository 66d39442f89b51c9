import { IsString, Length, Matches } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain } from '../normalize';
import { defineMessage, strictly } from '../message';
import { idMessage, idPattern } from './command-fields';
import type { ReservationView } from './reserve-credits';

/** `ReleaseReservation`: give a hold back. Idempotent on the reservation. */
export class ReleaseReservationCommand {
  @IsString() @Matches(idPattern, { message: `reservationId ${idMessage}` })
  reservationId!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  domain!: string;
}

/** `ledger.commands.release-reservation.v1`: request/reply, queue group `ledger`. */
export const ReleaseReservationMessage = defineMessage<ReleaseReservationCommand, ReservationView>()({ name: 'ledger.commands.release-reservation.v1', kind: 'command', validate: strictly(ReleaseReservationCommand) });
