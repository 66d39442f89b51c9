import { DashboardController } from '../dashboard/dashboard.controller';
import { AnalyticsReadModelsController } from './read-models.controller';

/** The issue-5 gateway controllers (analytics read models and the dashboard), registered in GatewayModule. */
export const analyticsEdgeControllers = [AnalyticsReadModelsController, DashboardController];
