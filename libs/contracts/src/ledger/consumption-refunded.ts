import { IsString, Length } from 'class-validator';
import { NormalizedDomain } from '../normalize';
import { IntegerAtLeast, IsoTime, Nested } from '../message';
import { ledgerEventMessage, LotDraw } from './ledger-event';

/** `ConsumptionRefunded` v1: credits of a consumption returned to the very lots they came from. */
export class ConsumptionRefundedV1 {
  /** Event id of the `CreditsConsumed` being refunded. */
  @IsString() @Length(1, 200)
  consumptionEventId!: string;

  @NormalizedDomain() @IsString() @Length(1, 253)
  domain!: string;

  @IsString() @Length(1, 200)
  referenceId!: string;

  @IsString() @Length(1, 200)
  refundRequestId!: string;

  @IntegerAtLeast(0)
  credits!: number;

  @Nested(() => LotDraw, true)
  draws!: LotDraw[];

  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  refundedAt!: string;
}

/** `ledger.events.consumption-refunded.v1`. */
export const ConsumptionRefundedMessage = ledgerEventMessage('ledger.events.consumption-refunded.v1', 'ConsumptionRefunded', ConsumptionRefundedV1);
