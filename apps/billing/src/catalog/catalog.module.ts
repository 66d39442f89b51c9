import { Module } from '@nestjs/common';
import { CatalogService } from './catalog.service';
import { OperatorCatalogController } from './operator-catalog.controller';

/** The offerings per domain (packs and plans) and the operator's catalog API. Exports `CatalogService`. */
@Module({
  controllers: [OperatorCatalogController],
  providers: [CatalogService],
  exports: [CatalogService],
})
export class CatalogModule {}
