/** What the disputes feature offers the other features. */
export { disputesBeforeBlockMax, disputeWindowSeconds } from './dispute-policy';
