import { Module } from '@nestjs/common';
import { RefundsDb } from './refunds-db';

/** Shared infrastructure: `RefundsDb`, the pg pool under TypeORM's data source (requests, saga and outbox use it). */
@Module({
  providers: [RefundsDb],
  exports: [RefundsDb],
})
export class RefundsDbModule {}
