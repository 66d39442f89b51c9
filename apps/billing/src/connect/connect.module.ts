import { Module, OnModuleInit } from '@nestjs/common';
import { StripeModule } from '../stripe/stripe.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { WebhookService } from '../webhooks/webhook.service';
import { AccountEventsHandler } from './account-events.handler';
import { ConnectController } from './connect.controller';
import { ConnectService } from './connect.service';
import { ConnectOAuthService } from './connect-oauth.service';
import { ConnectedSales } from './connected-sales';

/**
 * Stripe Connect: onboarding and Connect OAuth, per-domain terms, the Connect webhook endpoint (handled by the
 * webhook intake) and connected accounts' sales. Plugs its `account.*` event handler into the
 * webhook intake at start. Exports `ConnectedSales` (billing's refunds read it).
 */
@Module({
  imports: [StripeModule, WebhooksModule],
  controllers: [ConnectController],
  providers: [ConnectService, ConnectOAuthService, AccountEventsHandler, ConnectedSales],
  exports: [ConnectedSales],
})
export class ConnectModule implements OnModuleInit {
  constructor(
    private readonly webhooks: WebhookService,
    private readonly accountEvents: AccountEventsHandler,
  ) {}

  onModuleInit(): void {
    this.webhooks.register(this.accountEvents);
  }
}
