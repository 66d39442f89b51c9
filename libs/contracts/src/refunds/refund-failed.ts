import { refundEventMessage } from './refund-event';

/** `refunds.events.refund-failed.v1`: a refund request's snapshot after it was failed (`RefundEventV1`, type `RefundFailed`). */
export const RefundFailedMessage = refundEventMessage('refunds.events.refund-failed.v1', 'RefundFailed');
