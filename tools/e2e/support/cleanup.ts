// The clean-up moved into the typed harness (libs/testing, system.ts) with the rest of it.
export { stopAndCleanUp } from '@credit-hub/testing';
export type { StartedSystem } from '@credit-hub/testing';
