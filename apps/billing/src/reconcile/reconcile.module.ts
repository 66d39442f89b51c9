import { Module } from '@nestjs/common';
import { StripeModule } from '../stripe/stripe.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ReconcileController } from './reconcile.controller';
import { ReconcileService } from './reconcile.service';

/** Reconciliation: Stripe's events never delivered are fed to the webhook intake; grants checked against the ledger. */
@Module({
  imports: [StripeModule, WebhooksModule],
  controllers: [ReconcileController],
  providers: [ReconcileService],
})
export class ReconcileModule {}
