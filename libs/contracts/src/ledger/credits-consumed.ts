import { IsString, Length } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { IntegerAtLeast, IsoTime, Nested } from '../message';
import { ledgerEventMessage, LotDraw } from './ledger-event';

/** `CreditsConsumed` v1: credits spent on a domain, drawn from named lots. */
export class CreditsConsumedV1 {
  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IntegerAtLeast(1)
  credits!: number;

  @IsString() @Length(1, 64)
  actionType!: string;

  @IsString() @Length(1, 200)
  referenceId!: string;

  @Nested(() => LotDraw, true)
  draws!: LotDraw[];

  /** The account balance after this event, credits (negative when credits are owed). */
  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  consumedAt!: string;
}

/** `ledger.events.credits-consumed.v1`. */
export const CreditsConsumedMessage = ledgerEventMessage('ledger.events.credits-consumed.v1', 'CreditsConsumed', CreditsConsumedV1);
