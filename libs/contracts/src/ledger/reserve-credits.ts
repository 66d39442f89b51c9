import { Type } from 'class-transformer';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { CustomerOnDomain } from './command-fields';

/** `ReserveCredits`: a hold for a long job. Idempotent on `(domain, referenceId)`. */
export class ReserveCreditsCommand extends CustomerOnDomain {
  @Type(() => Number) @IsInt() @Min(1) @Max(Limits.creditsPerCommandMax)
  credits!: number;

  @IsString() @Length(1, Limits.referenceIdLengthMax)
  referenceId!: string;

  /** Seconds until the ledger releases the hold by itself (1 s to 7 days). */
  @Type(() => Number) @IsInt() @Min(1) @Max(7 * 24 * 3600)
  ttlSeconds!: number;
}

/** A reservation as the API shows it. */
export interface ReservationView {
  reservationId: string;
  email: string;
  domain: string;
  referenceId: string;
  status: 'active' | 'captured' | 'released' | 'expired';
  creditsReserved: number;
  creditsCaptured: number;
  expiresAt: string;
  /** Balance after, and what is spendable on the domain now (balance less holds). */
  balance: number;
  spendable: number;
  eventId: string | null;
  repeated: boolean;
}

/** `ledger.commands.reserve-credits.v1`: request/reply, queue group `ledger`. */
export const ReserveCreditsMessage = defineMessage<ReserveCreditsCommand, ReservationView>()({ name: 'ledger.commands.reserve-credits.v1', kind: 'command', validate: strictly(ReserveCreditsCommand) });
