import { refundEventMessage } from './refund-event';

/** `refunds.events.refund-completed.v1`: a refund request's snapshot after it was completed (`RefundEventV1`, type `RefundCompleted`). */
export const RefundCompletedMessage = refundEventMessage('refunds.events.refund-completed.v1', 'RefundCompleted');
