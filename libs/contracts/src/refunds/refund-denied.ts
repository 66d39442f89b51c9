import { refundEventMessage } from './refund-event';

/** `refunds.events.refund-denied.v1`: a refund request's snapshot after it was denied (`RefundEventV1`, type `RefundDenied`). */
export const RefundDeniedMessage = refundEventMessage('refunds.events.refund-denied.v1', 'RefundDenied');
