export * from './refund-model';

export * from './create-portal-session';
export * from './get-portal-view';
export * from './request-refund';
export * from './list-refund-requests';
export * from './get-refund-request';
export * from './review-refund';
export * from './refund-event';
export * from './refund-requested';
export * from './refund-held';
export * from './refund-completed';
export * from './refund-failed';
export * from './refund-denied';
