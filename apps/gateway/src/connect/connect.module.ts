import { Module } from '@nestjs/common';
import { DashboardModule } from '../dashboard/dashboard.module';
import { OperatorModule } from '../operator/operator.module';
import { ConnectController, ConnectOAuthCallbackController, OperatorConnectController } from './connect.controller';
import { ConnectKeyGuard } from './connect-key.guard';
import { StripeConnectWebhookController } from './connect-webhook.controller';
import { DashboardConnectController } from './dashboard-connect.controller';

/**
 * Stripe Connect at the edge: the builders' onboarding, Connect OAuth and state (domain and builder
 * keys; the OAuth callback by its signed state), the
 * operator's Connect API, the Connect webhook endpoint and the dashboard's Connect panel.
 */
@Module({
  imports: [DashboardModule, OperatorModule],
  controllers: [ConnectController, ConnectOAuthCallbackController, OperatorConnectController, StripeConnectWebhookController, DashboardConnectController],
  providers: [ConnectKeyGuard],
})
export class ConnectModule {}
