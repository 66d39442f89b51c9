/** What the entitlements feature offers the other features. */
export { projectEntitlement } from './entitlement.store';
