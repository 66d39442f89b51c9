import { Injectable, Logger } from '@nestjs/common';
import {
  BillingEventSubjects, ChargeRefundedExternallyV1, ConnectedAccountUpdatedV1, connectedAccountIdPattern, DisputeClosedV1, GrantCreditsCommand, PaymentSucceededV1, PlanCreditsBlockV1,
  PlanCreditsGrantedV1, Reply, Streams, SubscriptionChangedV1, validatePayload,
} from '@credit-hub/contracts';
import { decideClawBack, decideExternalRefund, decideFreeze, decidePlanEnd, decideResumePlan, decideSuspendPlan, decideUnfreeze, needs } from '@credit-hub/ledger-domain';
import { ConsumedMessage, DurableConsumerOptions, ParsedMessage, parseMessage } from '@credit-hub/messaging';
import { bindLogFields, InjectNats, Lifecycle, ManagedDurableConsumer, runWithLogFields } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { CreditAccountStore } from './credit-account.store';
import { recordConnectedAccount } from './connected-domains';

/** Durable consumer of the ledger on stream BILLING (all billing events; the ledger acts on the credit-relevant ones). */
export const billingConsumerName = 'ledger-billing';
/** Inbox key of payments (kept from the first version, so purchases credited before are recognised). */
export const paymentsConsumerName = 'ledger-payments';

/** The billing events the ledger acts on; the others (checkout created, trials, failures, accounts) are acknowledged unread. */
const ledgerReads: ReadonlySet<string> = new Set([
  BillingEventSubjects.paymentSucceeded, BillingEventSubjects.planCreditsGranted, BillingEventSubjects.planCreditsBlocked, BillingEventSubjects.planCreditsUnblocked,
  BillingEventSubjects.disputeOpened, BillingEventSubjects.disputeClosed, BillingEventSubjects.chargeRefundedExternally, BillingEventSubjects.subscriptionChanged,
  BillingEventSubjects.connectedAccountUpdated,
]);

/**
 * Turns billing's facts into ledger events, each idempotent by its own key (and the purchase by
 * the inbox too): a paid checkout → `CreditsPurchased`; a paid plan period → `CreditsGranted`
 * (source plan); grace over / payment back → `PlanCreditsSuspended` / `PlanCreditsResumed`; a
 * dispute → `AccountFrozen`, won → `AccountUnfrozen`, lost → `CreditsClawedBack` then unfrozen;
 * a refund made in Stripe's dashboard → `PurchaseRefunded` of the refunded share; a cancelled
 * subscription → `PlanCreditsEnded` (its credits expire at the paid period's end); a connected
 * account's update → the domain → account mapping (`ledger_connected_domains`). Other billing
 * events (checkout created, trials, failures) are not the ledger's and are acknowledged.
 * A malformed message is logged and acknowledged: retrying cannot make it valid.
 */
@Injectable()
export class BillingEventsConsumer extends ManagedDurableConsumer {
  private readonly logger = new Logger('BillingEventsConsumer');

  constructor(
    @InjectNats() nc: NatsConnection,
    private readonly accounts: CreditAccountStore,
    lifecycle: Lifecycle,
  ) {
    super(nc, lifecycle);
  }

  protected consumerOptions(): Omit<DurableConsumerOptions, 'nc' | 'handler'> {
    return { stream: Streams.billing.name, durable: billingConsumerName, maxDeliver: 20, ackWaitMs: 30_000, batchSizeMax: 100 };
  }

  /**
   * Handles one billing event the ledger acts on, read by its contract (`parseMessage`), with its
   * `customer` and `domain` bound to every log line (the correlation id is the message's). Bound
   * on the message's context, so the consumer's own lines about it (handled, retry, poison) carry
   * them too. A body that breaks its contract is logged and acknowledged: retrying cannot make it valid.
   */
  override handle(message: ConsumedMessage<unknown>): Promise<void> {
    if (!ledgerReads.has(message.subject)) return Promise.resolve(); // not the ledger's concern
    const parsed = parseMessage(message.subject, message.body);
    if (!parsed.ok) {
      this.logger.error(`ignoring malformed ${message.subject} ${message.messageId}: ${parsed.error.field ? `${parsed.error.field}: ` : ''}${parsed.error.detail}`);
      return Promise.resolve();
    }
    const fields: Record<string, string> = {};
    if ('email' in parsed.message) fields['customer'] = parsed.message.email;
    if ('domain' in parsed.message && parsed.message.domain !== undefined) fields['domain'] = parsed.message.domain;
    if (bindLogFields(fields)) return this.dispatch(parsed, message);
    return runWithLogFields(fields, () => this.dispatch(parsed, message));
  }

  private async dispatch(parsed: ParsedMessage, message: ConsumedMessage<unknown>): Promise<void> {
    switch (parsed.name) {
      case 'billing.events.payment-succeeded.v1':
        return this.payment(parsed.message, message);
      case 'billing.events.plan-credits-granted.v1':
        return this.planGrant(parsed.message);
      case 'billing.events.plan-credits-blocked.v1':
      case 'billing.events.plan-credits-unblocked.v1':
        return this.planBlock(parsed.message, parsed.name === 'billing.events.plan-credits-blocked.v1');
      case 'billing.events.dispute-opened.v1': {
        const dispute = parsed.message;
        return this.expect(await this.accounts.change(dispute.email, needs('freeze', dispute), (a, now) => decideFreeze({ disputeId: dispute.disputeId, reason: `dispute ${dispute.reason}`.trim(), now }, a), dispute.disputeId), message);
      }
      case 'billing.events.dispute-closed.v1':
        return this.disputeClosed(parsed.message, message);
      case 'billing.events.charge-refunded-externally.v1':
        return this.externalRefund(parsed.message, message);
      case 'billing.events.subscription-changed.v1':
        return this.subscriptionChanged(parsed.message, message);
      case 'billing.events.connected-account-updated.v1':
        return this.connectedAccount(parsed.message);
      default:
        return;
    }
  }

  private async payment(payment: PaymentSucceededV1, message: ConsumedMessage<unknown>): Promise<void> {
    const appended = await this.accounts.purchase(payment, paymentsConsumerName, message.messageId);
    this.logger.log(`${appended ? 'credited' : 'already credited'} ${payment.credits} credits to ${payment.email} for ${payment.checkoutSessionId}`);
  }

  /** A connected account's domains and state: the ledger's domain → account mapping for account-scoped credits. */
  private async connectedAccount(message: ConnectedAccountUpdatedV1): Promise<void> {
    // Validated by its contract (normalised host names); listed once each.
    const update = { ...message, domains: [...new Set(message.domains)], at: new Date(message.at).toISOString() };
    await recordConnectedAccount(this.accounts.pool, update);
    this.logger.log(`connected account ${update.accountId} ${update.status}: ${update.domains.length} domain(s) listed`);
  }

  private async planGrant(body: PlanCreditsGrantedV1): Promise<void> {
    const validated = validatePayload(GrantCreditsCommand, {
      email: body.email, domain: body.domain, credits: body.credits, grantId: body.grantId, reason: `plan ${body.offeringId} period ${body.periodStart}`,
      source: 'plan', subscriptionId: body.subscriptionId, ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}),
    });
    if (!validated.ok) return this.logger.error(`ignoring malformed plan grant ${body.grantId}: ${validated.refusal.detail}`);
    const scopeAccount = body.connectedAccountId ?? null;
    if (scopeAccount !== null && (typeof scopeAccount !== 'string' || !connectedAccountIdPattern.test(scopeAccount))) {
      return this.logger.error(`ignoring malformed plan grant ${body.grantId}: connectedAccountId must be a Stripe account id`);
    }
    const reply = await this.accounts.grant(validated.value, scopeAccount);
    if (!reply.ok) throw new Error(`plan grant ${body.grantId} refused: ${reply.refusal.code}`);
  }

  private async planBlock(body: PlanCreditsBlockV1, block: boolean): Promise<void> {
    const command = { subscriptionId: body.subscriptionId, reason: body.reason };
    await this.accounts.change(body.email, needs(block ? 'suspend plan' : 'resume plan', body), (a, now) => (block ? decideSuspendPlan({ ...command, now }, a) : decideResumePlan({ ...command, now }, a)), body.subscriptionId);
  }

  private async disputeClosed(body: DisputeClosedV1, message: ConsumedMessage<unknown>): Promise<void> {
    if (body.outcome === 'lost' && body.paymentIntentId) {
      const clawed = await this.accounts.change(body.email, needs('claw back', { paymentIntentId: body.paymentIntentId }), (a, now) => decideClawBack({ disputeId: body.disputeId, paymentIntentId: body.paymentIntentId!, now }, a), body.disputeId);
      if (!clawed.ok && clawed.refusal.code !== 'lot_not_found') throw new Error(`claw back ${body.disputeId}: ${clawed.refusal.code}`);
    }
    this.expect(await this.accounts.change(body.email, needs('unfreeze', body), (a, now) => decideUnfreeze({ disputeId: body.disputeId, reason: `dispute ${body.outcome}`, now }, a), body.disputeId), message);
  }

  /** A cancelled subscription's credits (rollover ones included) expire at the end of the paid period. */
  private async subscriptionChanged(body: SubscriptionChangedV1, message: ConsumedMessage<unknown>): Promise<void> {
    if (body.status !== 'canceled') return;
    const endsAt = body.currentPeriodEnd ?? body.at;
    this.expect(await this.accounts.change(body.email, needs('end plan', body), (a, now) => decidePlanEnd({ subscriptionId: body.subscriptionId, endsAt, now }, a), body.subscriptionId), message);
  }

  private async externalRefund(body: ChargeRefundedExternallyV1, message: ConsumedMessage<unknown>): Promise<void> {
    const reply = await this.accounts.change(body.email, needs('external refund', body), (a, now) => decideExternalRefund({ ...body, now }, a), body.refundId);
    if (!reply.ok && reply.refusal.code === 'lot_not_found') return this.logger.warn(`external refund ${body.refundId}: no purchase with ${body.paymentIntentId}`);
    this.expect(reply, message);
  }

  private expect(reply: Reply<unknown>, message: ConsumedMessage<unknown>): void {
    if (!reply.ok) this.logger.warn(`${message.subject} ${message.messageId}: ${reply.refusal.code} ${reply.refusal.detail}`);
  }
}
