import { SubscriptionCustomer } from './event-fields';
import { defineMessage, IsoTime, leniently } from '../message';

/** The fields of TrialWillEndV1 after SubscriptionCustomer's (see event-fields.ts). */
class TrialWillEndFields extends SubscriptionCustomer {
  @IsoTime()
  trialEnd!: string;

  @IsoTime()
  at!: string;
}

/** `billing.events.trial-will-end.v1`: Stripe's reminder, 3 days before a trial converts. */
export class TrialWillEndV1 extends TrialWillEndFields {}

/** `billing.events.trial-will-end.v1`. */
export const TrialWillEndMessage = defineMessage<TrialWillEndV1>()({ name: 'billing.events.trial-will-end.v1', kind: 'event', validate: leniently(TrialWillEndV1) });
