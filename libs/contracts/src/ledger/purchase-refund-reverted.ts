import { IsString, Length, MaxLength } from 'class-validator';
import { IntegerAtLeast, IsoTime } from '../message';
import { ledgerEventMessage } from './ledger-event';

/** `PurchaseRefundReverted` v1: compensation when Stripe refused the money refund; the credits come back. */
export class PurchaseRefundRevertedV1 {
  @IsString() @Length(1, 200)
  lotId!: string;

  @IsString() @Length(1, 200)
  refundRequestId!: string;

  @IntegerAtLeast(0)
  credits!: number;

  @IsString() @MaxLength(500)
  reason!: string;

  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  revertedAt!: string;
}

/** `ledger.events.purchase-refund-reverted.v1`. */
export const PurchaseRefundRevertedMessage = ledgerEventMessage('ledger.events.purchase-refund-reverted.v1', 'PurchaseRefundReverted', PurchaseRefundRevertedV1);
