import { IsIn, IsString, Length } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, IsoTime, leniently, Nullable } from '../message';

/** `billing.events.dispute-closed.v1`: won → the ledger unfreezes; lost → it claws the purchase back, then unfreezes. */
export class DisputeClosedV1 {
  @IsString() @Length(1, 200)
  disputeId!: string;

  @IsString() @Length(1, 200)
  chargeId!: string;

  @Nullable() @IsString() @Length(1, 200)
  paymentIntentId!: string | null;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsIn(['won', 'lost'])
  outcome!: 'won' | 'lost';

  @IsoTime()
  at!: string;
}

/** `billing.events.dispute-closed.v1`. */
export const DisputeClosedMessage = defineMessage<DisputeClosedV1>()({ name: 'billing.events.dispute-closed.v1', kind: 'event', validate: leniently(DisputeClosedV1) });
