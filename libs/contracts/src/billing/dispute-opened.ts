import { IsString, MaxLength } from 'class-validator';
import { DisputeParties } from './event-fields';
import { Currency, defineMessage, IntegerAtLeast, IsoTime, leniently } from '../message';

/** The fields of DisputeOpenedV1 after DisputeParties's (see event-fields.ts). */
class DisputeOpenedFields extends DisputeParties {
  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  amountMinor!: number;

  @Currency()
  currency!: string;

  /** Stripe's dispute reason (`fraudulent`, `product_not_received`, …). */
  @IsString() @MaxLength(200)
  reason!: string;

  @IsoTime()
  at!: string;
}

/** `billing.events.dispute-opened.v1`: a charge was disputed; the ledger freezes the account. */
export class DisputeOpenedV1 extends DisputeOpenedFields {}

/** `billing.events.dispute-opened.v1`. */
export const DisputeOpenedMessage = defineMessage<DisputeOpenedV1>()({ name: 'billing.events.dispute-opened.v1', kind: 'event', validate: leniently(DisputeOpenedV1) });
