import { Global, Module } from '@nestjs/common';
import { HubClient } from './hub-client';

/** The gateway's one NATS request/reply client (HubClient), shared by every feature module. */
@Global()
@Module({ providers: [HubClient], exports: [HubClient] })
export class HubModule {}
