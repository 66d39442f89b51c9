import { EntitlementCatalog } from './entitlement-catalog';
import { EntitlementScheduler } from './entitlement.scheduler';
import { EntitlementsController } from './entitlements.controller';
import { EntitlementsService } from './entitlements.service';

/** Billing's issue-10 wiring (plans' caps and entitlements), spread into BillingModule. */
export const entitlementControllers = [EntitlementsController];

export const entitlementProviders = [EntitlementCatalog, EntitlementsService, EntitlementScheduler];
