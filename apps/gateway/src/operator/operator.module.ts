import { Module } from '@nestjs/common';
import { OperatorCatalogController } from './operator-catalog.controller';
import { OperatorKeyGuard } from './operator-key.guard';
import { operatorConfigProvider } from './operator.config';

/** The operator's API (operator key): the catalog; exports the operator key's guard for other operator routes. */
@Module({
  controllers: [OperatorCatalogController],
  providers: [operatorConfigProvider, OperatorKeyGuard],
  exports: [operatorConfigProvider, OperatorKeyGuard],
})
export class OperatorModule {}
