import { IsString, MaxLength } from 'class-validator';
import { SubscriptionCustomer } from './event-fields';
import { defineMessage, IsoTime, leniently } from '../message';

/** The fields of PlanCreditsBlockV1 after SubscriptionCustomer's (see event-fields.ts). */
class PlanCreditsBlockFields extends SubscriptionCustomer {
  @IsString() @MaxLength(500)
  reason!: string;

  @IsoTime()
  at!: string;
}

/** `billing.events.plan-credits-blocked.v1` / `…-unblocked.v1`: a plan's credits blocked after its payment grace / usable again. */
export class PlanCreditsBlockV1 extends PlanCreditsBlockFields {}

/** `billing.events.plan-credits-blocked.v1`. */
export const PlanCreditsBlockedMessage = defineMessage<PlanCreditsBlockV1>()({ name: 'billing.events.plan-credits-blocked.v1', kind: 'event', validate: leniently(PlanCreditsBlockV1) });
