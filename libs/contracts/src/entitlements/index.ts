export * from './entitlement-model';
export * from './get-entitlements';
export * from './check-entitlement';
export * from './entitlements-changed';
