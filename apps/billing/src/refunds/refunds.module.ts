import { Module } from '@nestjs/common';
import { ConnectModule } from '../connect/connect.module';
import { StripeModule } from '../stripe/stripe.module';
import { StripeRefundsController } from './stripe-refunds.controller';
import { StripeRefundsService } from './stripe-refunds.service';

/** Money refunds through Stripe (on the connected account for a Connect sale). */
@Module({
  imports: [StripeModule, ConnectModule],
  controllers: [StripeRefundsController],
  providers: [StripeRefundsService],
})
export class RefundsModule {}
