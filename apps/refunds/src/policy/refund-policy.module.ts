import { Module } from '@nestjs/common';
import { RefundCatalog } from './refund-catalog.service';

/** Each domain's refund policy, read from the catalog file at start. Exports `RefundCatalog`. */
@Module({
  providers: [RefundCatalog],
  exports: [RefundCatalog],
})
export class RefundPolicyModule {}
