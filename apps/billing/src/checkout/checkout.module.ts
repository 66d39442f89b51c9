import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { StripeModule } from '../stripe/stripe.module';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';

/** Stripe Checkout sessions for packs and plans (refused while the buyer has too many recent disputes). */
@Module({
  imports: [StripeModule, CatalogModule],
  controllers: [CheckoutController],
  providers: [CheckoutService],
})
export class CheckoutModule {}
