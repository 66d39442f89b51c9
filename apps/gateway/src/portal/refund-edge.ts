import { RefundRequestsController } from '../refunds/refund-requests.controller';
import { portalConfigProvider } from './portal.config';
import { PortalController } from './portal.controller';
import { PortalSessionsController } from './portal-sessions.controller';

/**
 * The gateway's refund edge (issue 4), registered in GatewayModule by spreading these lists:
 * portal links for builders, the customer's portal pages, the builder's refund-request API.
 */
export const refundEdgeControllers = [PortalSessionsController, PortalController, RefundRequestsController];
export const refundEdgeProviders = [portalConfigProvider];
