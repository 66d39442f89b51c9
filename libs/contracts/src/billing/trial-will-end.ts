import { IsString, Length } from 'class-validator';
import { NormalizedDomain, NormalizedEmail } from '../normalize';
import { defineMessage, IsoTime, leniently } from '../message';

/** `billing.events.trial-will-end.v1`: Stripe's reminder, 3 days before a trial converts. */
export class TrialWillEndV1 {
  @IsString() @Length(1, 200)
  subscriptionId!: string;

  @NormalizedEmail() @IsString() @Length(1, 254)
  email!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsoTime()
  trialEnd!: string;

  @IsoTime()
  at!: string;
}

/** `billing.events.trial-will-end.v1`. */
export const TrialWillEndMessage = defineMessage<TrialWillEndV1>()({ name: 'billing.events.trial-will-end.v1', kind: 'event', validate: leniently(TrialWillEndV1) });
