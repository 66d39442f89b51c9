import { OperatorCatalogController } from '../catalog/operator-catalog.controller';
import { DisputeEvidenceWorker } from '../disputes/dispute-evidence.worker';
import { LedgerClient } from '../disputes/ledger.client';
import { ReconcileController } from '../reconcile/reconcile.controller';
import { ReconcileService } from '../reconcile/reconcile.service';
import { StripeClock } from '../stripe/stripe-clock';
import { ChargeRefundedHandler } from '../webhooks/charge-refunded.handler';
import { DisputeEventsHandler } from '../webhooks/dispute-events.handler';
import { PackPaymentHandler } from '../webhooks/pack-payment.handler';
import { SubscriptionEventsHandler } from '../webhooks/subscription-events.handler';
import { GraceScheduler } from './grace.scheduler';
import { SubscriptionSync } from './subscription-sync';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsService } from './subscriptions.service';

/**
 * Billing's issue-3 wiring (plans, subscriptions, portal, disputes, external refunds,
 * reconciliation, the operator's catalog API), spread into BillingModule so its own list stays short.
 */
export const subscriptionControllers = [SubscriptionsController, OperatorCatalogController, ReconcileController];

export const subscriptionProviders = [
  StripeClock,
  SubscriptionSync,
  SubscriptionsService,
  PackPaymentHandler,
  SubscriptionEventsHandler,
  DisputeEventsHandler,
  ChargeRefundedHandler,
  GraceScheduler,
  LedgerClient,
  DisputeEvidenceWorker,
  ReconcileService,
];
