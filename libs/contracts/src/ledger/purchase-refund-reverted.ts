import { IsString, MaxLength } from 'class-validator';
import { IntegerAtLeast, IsoTime } from '../message';
import { LotRefund } from './event-fields';
import { ledgerEventMessage } from './ledger-event';

/** The fields of PurchaseRefundRevertedV1 after LotRefund's (see event-fields.ts). */
class PurchaseRefundRevertedFields extends LotRefund {
  @IsString() @MaxLength(500)
  reason!: string;

  @IntegerAtLeast(Number.MIN_SAFE_INTEGER)
  balanceAfter!: number;

  @IsoTime()
  revertedAt!: string;
}

/** `PurchaseRefundReverted` v1: compensation when Stripe refused the money refund; the credits come back. */
export class PurchaseRefundRevertedV1 extends PurchaseRefundRevertedFields {}

/** `ledger.events.purchase-refund-reverted.v1`. */
export const PurchaseRefundRevertedMessage = ledgerEventMessage('ledger.events.purchase-refund-reverted.v1', 'PurchaseRefundReverted', PurchaseRefundRevertedV1);
