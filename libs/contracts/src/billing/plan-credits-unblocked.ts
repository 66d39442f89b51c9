import { defineMessage, leniently } from '../message';
import { PlanCreditsBlockV1 } from './plan-credits-blocked';

/** `billing.events.plan-credits-unblocked.v1`: a plan's payment is back; body as the block's. */
export const PlanCreditsUnblockedMessage = defineMessage<PlanCreditsBlockV1>()({ name: 'billing.events.plan-credits-unblocked.v1', kind: 'event', validate: leniently(PlanCreditsBlockV1) });
