import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { Limits } from '../customer';
import { NormalizedDomain } from '../normalize';
import { defineMessage, strictly } from '../message';
import { idMessage, idPattern } from './command-fields';
import type { ReservationView } from './reserve-credits';

/** `CaptureReservation`: spend up to the reserved credits; the rest is released. Idempotent on the reservation. */
export class CaptureReservationCommand {
  @IsString() @Matches(idPattern, { message: `reservationId ${idMessage}` })
  reservationId!: string;

  @NormalizedDomain() @IsString() @Length(1, Limits.domainLengthMax)
  domain!: string;

  @Type(() => Number) @IsInt() @Min(0) @Max(Limits.creditsPerCommandMax)
  credits!: number;

  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'actionType must be 1-64 letters, digits or _.:-' })
  actionType?: string;
}

/** `ledger.commands.capture-reservation.v1`: request/reply, queue group `ledger`. */
export const CaptureReservationMessage = defineMessage<CaptureReservationCommand, ReservationView>()({ name: 'ledger.commands.capture-reservation.v1', kind: 'command', validate: strictly(CaptureReservationCommand) });
