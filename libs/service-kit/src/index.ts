export * from './config';
export * from './database';
export * from './nats';
export * from './problem';
export * from './health';
export * from './bootstrap';
export * from './config-module';
export * from './modules';
