import { ConnectController, OperatorConnectController } from './connect.controller';
import { ConnectKeyGuard } from './connect-key.guard';
import { StripeConnectWebhookController } from './connect-webhook.controller';
import { DashboardConnectController } from './dashboard-connect.controller';

/**
 * The gateway's Stripe Connect edge, registered in GatewayModule by spreading these lists: the
 * builders' onboarding and state (domain and builder keys), the operator's Connect API, the Connect
 * webhook endpoint and the dashboard's Connect panel.
 */
export const connectEdgeControllers = [ConnectController, OperatorConnectController, StripeConnectWebhookController, DashboardConnectController];
export const connectEdgeProviders = [ConnectKeyGuard];
