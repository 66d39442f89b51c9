import { IsString, Length, MaxLength } from 'class-validator';
import { Currency, IntegerAtLeast, IsoTime, Nullable } from '../message';
import { LotRefund } from './event-fields';
import { ledgerEventMessage } from './ledger-event';

/** The fields of PurchaseRefundedV1 after LotRefund's (see event-fields.ts). */
class PurchaseRefundedFields extends LotRefund {
  /** Integer minor units of `currency`. */
  @IntegerAtLeast(0)
  amountMinor!: number;

  @Currency()
  currency!: string;

  @Nullable() @IsString() @MaxLength(200)
  paymentIntentId!: string | null;

  @IsString() @Length(1, 200)
  checkoutSessionId!: string;

  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  refundedAt!: string;
}

/**
 * `PurchaseRefunded` v1: a purchase's unused credits removed for a money refund of
 * `amountMinor` = floor(lot amount × credits / lot credits): unused credits at the lot's unit price.
 */
export class PurchaseRefundedV1 extends PurchaseRefundedFields {}

/** `ledger.events.purchase-refunded.v1`. */
export const PurchaseRefundedMessage = ledgerEventMessage('ledger.events.purchase-refunded.v1', 'PurchaseRefunded', PurchaseRefundedV1);
