import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { StripeModule } from '../stripe/stripe.module';
import { EntitlementCatalog } from './entitlement-catalog';
import { EntitlementScheduler } from './entitlement.scheduler';
import { EntitlementsController } from './entitlements.controller';
import { EntitlementsService } from './entitlements.service';

/** Plans' caps and entitlements: the entitlement API and the scheduler that settles ended periods. */
@Module({
  imports: [StripeModule, CatalogModule],
  controllers: [EntitlementsController],
  providers: [EntitlementCatalog, EntitlementsService, EntitlementScheduler],
})
export class EntitlementsModule {}
