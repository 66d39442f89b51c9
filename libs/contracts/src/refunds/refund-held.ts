import { refundEventMessage } from './refund-event';

/** `refunds.events.refund-held.v1`: a refund request's snapshot after it was held (`RefundEventV1`, type `RefundHeld`). */
export const RefundHeldMessage = refundEventMessage('refunds.events.refund-held.v1', 'RefundHeld');
