export * from './credit-account/credit-account.state';
export * from './credit-account/credit-account.decide';
export * from './credit-account/lot-order';
export * from './credit-account/consume-batch';
export * from './credit-account/credit-account.snapshot';
export * from './credit-account/credit-account.needs';
