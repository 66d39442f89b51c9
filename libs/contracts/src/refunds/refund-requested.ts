import { refundEventMessage } from './refund-event';

/** `refunds.events.refund-requested.v1`: a refund request's snapshot after it was requested (`RefundEventV1`, type `RefundRequested`). */
export const RefundRequestedMessage = refundEventMessage('refunds.events.refund-requested.v1', 'RefundRequested');
