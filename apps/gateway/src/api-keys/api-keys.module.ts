import { Global, Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { AnalyticsKeyGuard, ApiKeyGuard } from './api-key.guard';

/**
 * API keys, the gateway's only state: the authenticator (hashed-key lookup, cached) and the guards
 * every feature's routes use. Global, because nearly every feature module guards its routes with it.
 */
@Global()
@Module({
  providers: [ApiKeyAuthenticator, ApiKeyGuard, AnalyticsKeyGuard],
  exports: [ApiKeyAuthenticator, ApiKeyGuard, AnalyticsKeyGuard],
})
export class ApiKeysModule {}
