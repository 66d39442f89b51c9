import { IsString, Length, MaxLength } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, IsoTime, leniently } from '../message';

/** `billing.events.plan-credits-blocked.v1` / `…-unblocked.v1`: a plan's credits blocked after its payment grace / usable again. */
export class PlanCreditsBlockV1 {
  @IsString() @Length(1, 200)
  subscriptionId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @MaxLength(500)
  reason!: string;

  @IsoTime()
  at!: string;
}

/** `billing.events.plan-credits-blocked.v1`. */
export const PlanCreditsBlockedMessage = defineMessage<PlanCreditsBlockV1>()({ name: 'billing.events.plan-credits-blocked.v1', kind: 'event', validate: leniently(PlanCreditsBlockV1) });
