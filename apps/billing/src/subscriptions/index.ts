/** What the subscriptions feature offers the other features. */
export { graceEndsAt, type GrantReason, planGrantId, type PlanTerms, planTermsOf } from './subscription-state';
export { blockIfGraceOver, SubscriptionSync, unblock } from './subscription-sync';
export { rememberCustomer, type SubscriptionRecord } from './subscription.store';
