import { IsIn } from 'class-validator';
import { DisputeParties } from './event-fields';
import { defineMessage, IsoTime, leniently } from '../message';

/** The fields of DisputeClosedV1 after DisputeParties's (see event-fields.ts). */
class DisputeClosedFields extends DisputeParties {
  @IsIn(['won', 'lost'])
  outcome!: 'won' | 'lost';

  @IsoTime()
  at!: string;
}

/** `billing.events.dispute-closed.v1`: won → the ledger unfreezes; lost → it claws the purchase back, then unfreezes. */
export class DisputeClosedV1 extends DisputeClosedFields {}

/** `billing.events.dispute-closed.v1`. */
export const DisputeClosedMessage = defineMessage<DisputeClosedV1>()({ name: 'billing.events.dispute-closed.v1', kind: 'event', validate: leniently(DisputeClosedV1) });
