import { SubscriptionsController } from '../billing/subscriptions.controller';
import { OperatorCatalogController } from './operator-catalog.controller';
import { OperatorKeyGuard } from './operator-key.guard';
import { operatorConfigProvider } from './operator.config';

/**
 * The gateway's issue-3 edge, registered in GatewayModule by spreading these lists: the customer's
 * subscriptions and billing portal (domain keys), the operator's catalog API (operator keys).
 */
export const billingEdgeControllers = [SubscriptionsController, OperatorCatalogController];
export const billingEdgeProviders = [operatorConfigProvider, OperatorKeyGuard];
