export * from './subjects';
export * from './errors';
export * from './customer';
export * from './ledger-events';
export * from './ledger-commands';
export * from './billing';
export * from './validation';
