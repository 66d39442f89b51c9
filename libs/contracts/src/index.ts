export * from './subjects';
export * from './errors';
export * from './customer';
export * from './validation';
export * from './text';
export * from './normalize';
// Folders by their index file: a stale dist/…/<service>.js of an older build must not shadow them.
export * from './refunds/index';
export * from './entitlements/index';
export * from './minor-units';
export * from './message';
export * from './ledger/index';
export * from './billing/index';
export * from './analytics/index';
export * from './messages';
export * from './billing-connect';
