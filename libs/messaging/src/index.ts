export * from './streams';
export * from './outbox';
export * from './inbox';
export * from './consumer';
export * from './pg-client';
export * from './correlation';
export * from './tracing';
