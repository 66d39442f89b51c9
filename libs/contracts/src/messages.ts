import * as analytics from './analytics/index';
import * as billing from './billing/index';
import * as entitlements from './entitlements/index';
import * as ledger from './ledger/index';
import type { MessageDefinition } from './message';
import * as refunds from './refunds/index';

/**
 * Every message with a contract, by its subject name (without the `HUB_NAMESPACE` prefix). The
 * types `MessageBySubject` (body) and `ReplyBySubject` (reply value of a command or query) come
 * from here; `parseMessage` and the request client of `libs/messaging` look subjects up in it.
 */
export const Messages = byName([
  // ledger: commands and queries (queue group `ledger`)
  ledger.ConsumeCreditsMessage, ledger.ConsumeCreditsBatchMessage, ledger.GrantCreditsMessage, ledger.ReserveCreditsMessage,
  ledger.CaptureReservationMessage, ledger.ReleaseReservationMessage, ledger.RefundConsumptionsMessage, ledger.RefundPurchaseMessage,
  ledger.RevertPurchaseRefundMessage, ledger.FreezeAccountMessage, ledger.UnfreezeAccountMessage, ledger.ClawBackPurchaseMessage,
  ledger.SuspendPlanCreditsMessage, ledger.ResumePlanCreditsMessage, ledger.GetBalanceMessage, ledger.GetHistoryMessage, ledger.GetRefundableMessage,
  // ledger: events (stream LEDGER)
  ledger.CreditsPurchasedMessage, ledger.CreditsConsumedMessage, ledger.CreditsGrantedMessage, ledger.CreditsExpiredMessage,
  ledger.ConsumptionRefundedMessage, ledger.PurchaseRefundedMessage, ledger.PurchaseRefundRevertedMessage, ledger.CreditsReservedMessage,
  ledger.ReservationCapturedMessage, ledger.ReservationReleasedMessage, ledger.AccountFrozenMessage, ledger.AccountUnfrozenMessage,
  ledger.CreditsClawedBackMessage, ledger.PlanCreditsSuspendedMessage, ledger.PlanCreditsResumedMessage, ledger.PlanCreditsEndedMessage,
  // billing: commands and queries (queue group `billing`)
  billing.CreateCheckoutMessage, billing.HandleStripeWebhookMessage, billing.CreateStripeRefundMessage,
  billing.CreateBillingPortalSessionMessage, billing.ListSubscriptionsMessage, billing.CancelSubscriptionMessage, billing.ChangePlanMessage,
  billing.ReconcileMessage, billing.GetDomainCatalogMessage, billing.PutDomainCatalogMessage, billing.PutOfferingMessage,
  entitlements.GetEntitlementsMessage, entitlements.CheckEntitlementMessage,
  // billing: events (stream BILLING) and entitlement events (stream ENTITLEMENTS)
  billing.PaymentSucceededMessage, billing.CheckoutCreatedMessage, billing.PlanCreditsGrantedMessage, billing.PlanCreditsBlockedMessage,
  billing.PlanCreditsUnblockedMessage, billing.SubscriptionChangedMessage, billing.TrialWillEndMessage, billing.PaymentFailedMessage,
  billing.DisputeOpenedMessage, billing.DisputeClosedMessage, billing.ChargeRefundedExternallyMessage, billing.ConnectedAccountUpdatedMessage, billing.ApplicationFeeRefundedMessage,
  entitlements.EntitlementsChangedMessage,
  // refunds: commands and queries (queue group `refunds`), events (stream REFUNDS)
  refunds.CreatePortalSessionMessage, refunds.GetPortalViewMessage, refunds.RequestRefundMessage, refunds.ListRefundRequestsMessage,
  refunds.GetRefundRequestMessage, refunds.ReviewRefundMessage,
  refunds.RefundRequestedMessage, refunds.RefundHeldMessage, refunds.RefundCompletedMessage, refunds.RefundFailedMessage, refunds.RefundDeniedMessage,
  // feedback-analytics: queries and webhook commands (queue group `feedback-analytics`)
  analytics.UsageMessage, analytics.AnalyticsSummaryMessage, analytics.AnalyticsCreditsMessage, analytics.AnalyticsRevenueMessage,
  analytics.AnalyticsConversionMessage, analytics.AnalyticsRefundsMessage, analytics.FeedbackMessage,
  analytics.CreateWebhookEndpointMessage, analytics.ListWebhookEndpointsMessage, analytics.DeleteWebhookEndpointMessage,
  analytics.ListWebhookDeliveriesMessage, analytics.ReplayWebhookDeliveryMessage,
]);

/** The definitions keyed by name, typed per name. */
function byName<const D extends readonly MessageDefinition<string, any, any>[]>(definitions: D): { readonly [M in D[number] as M['name']]: M } {
  const map: Record<string, MessageDefinition> = {};
  for (const definition of definitions) {
    if (Object.hasOwn(map, definition.name)) throw new Error(`message ${definition.name} defined twice`);
    map[definition.name] = definition;
  }
  return map as never;
}

type Definitions = typeof Messages;

/** Name of a message: its subject without the namespace prefix (`ledger.events.credits-consumed.v1`). */
export type MessageName = keyof Definitions & string;

/** The body of each message, by subject name: what `parseMessage` returns for it. */
export type MessageBySubject = { [N in MessageName]: Definitions[N] extends MessageDefinition<N, infer T, any> ? T : never };

/** The value of an `ok` reply of each command and query, by subject name. */
export type ReplyBySubject = { [N in MessageName]: Definitions[N] extends MessageDefinition<N, any, infer R> ? R : never };

/** Names of the request/reply messages (commands and queries). */
export type RequestName = { [N in MessageName]: Definitions[N]['kind'] extends 'event' ? never : N }[MessageName];

/** Names of the events. */
export type EventName = Exclude<MessageName, RequestName>;

const bySubject = new Map<string, MessageDefinition>(Object.values(Messages as Record<string, MessageDefinition>).map((definition) => [definition.subject, definition]));

/** The definition of the message sent on `subject` as this process sees it (namespace prefix included); undefined when none. */
export function messageDefinitionOf(subject: string): MessageDefinition | undefined {
  return bySubject.get(subject);
}

/** The definition of a message by its name (no namespace prefix). */
export function messageDefinition<N extends MessageName>(name: N): Definitions[N] {
  return Messages[name];
}
