import { Injectable, Logger } from '@nestjs/common';
import {
  BillingEventSubjects, ChargeRefundedExternallyV1, connectedAccountIdPattern, DisputeClosedV1, DisputeOpenedV1, GrantCreditsCommand, normalizeDomain, normalizeEmail,
  PaymentSucceededV1, PlanCreditsBlockV1, PlanCreditsGrantedV1, Reply, Streams, SubscriptionChangedV1, validatePayload,
} from '@credit-hub/contracts';
import { decideClawBack, decideExternalRefund, decideFreeze, decidePlanEnd, decideResumePlan, decideSuspendPlan, decideUnfreeze } from '@credit-hub/ledger-domain';
import { ConsumedMessage, DurableConsumerOptions } from '@credit-hub/messaging';
import { bindLogFields, InjectNats, Lifecycle, ManagedDurableConsumer, runWithLogFields } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { CreditAccountStore } from './credit-account.store';
import { parseConnectedAccountUpdated, recordConnectedAccount } from './connected-domains';

/** Durable consumer of the ledger on stream BILLING (all billing events; the ledger acts on the credit-relevant ones). */
export const billingConsumerName = 'ledger-billing';
/** Inbox key of payments (kept from the first version, so purchases credited before are recognised). */
export const paymentsConsumerName = 'ledger-payments';

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
   * Handles one billing event with its `customer` and `domain` bound to every log line (the
   * correlation id is the message's). Bound on the message's context, so the consumer's own
   * lines about it (handled, retry, poison) carry them too.
   */
  override handle(message: ConsumedMessage<unknown>): Promise<void> {
    const body = (message.body ?? {}) as Record<string, unknown>;
    const fields: Record<string, string> = {};
    if (typeof body['email'] === 'string') fields['customer'] = body['email'];
    if (typeof body['domain'] === 'string') fields['domain'] = body['domain'];
    if (bindLogFields(fields)) return this.dispatch(message);
    return runWithLogFields(fields, () => this.dispatch(message));
  }

  private async dispatch(message: ConsumedMessage<unknown>): Promise<void> {
    const body = message.body as Record<string, any>;
    switch (message.subject) {
      case BillingEventSubjects.paymentSucceeded:
        return this.payment(message);
      case BillingEventSubjects.planCreditsGranted:
        return this.planGrant(body as PlanCreditsGrantedV1);
      case BillingEventSubjects.planCreditsBlocked:
      case BillingEventSubjects.planCreditsUnblocked:
        return this.planBlock(body as PlanCreditsBlockV1, message.subject === BillingEventSubjects.planCreditsBlocked);
      case BillingEventSubjects.disputeOpened:
        return this.expect(await this.accounts.change(email(body), {}, (a, now) => decideFreeze({ disputeId: (body as DisputeOpenedV1).disputeId, reason: `dispute ${body.reason ?? ''}`.trim(), now }, a), body.disputeId), message);
      case BillingEventSubjects.disputeClosed:
        return this.disputeClosed(body as DisputeClosedV1, message);
      case BillingEventSubjects.chargeRefundedExternally:
        return this.externalRefund(body as ChargeRefundedExternallyV1, message);
      case BillingEventSubjects.subscriptionChanged:
        return this.subscriptionChanged(body as SubscriptionChangedV1, message);
      case BillingEventSubjects.connectedAccountUpdated:
        return this.connectedAccount(message);
      default:
        return; // not the ledger's concern
    }
  }

  private async payment(message: ConsumedMessage<unknown>): Promise<void> {
    const payment = parsePaymentSucceeded(message.body);
    if (typeof payment === 'string') return this.logger.error(`ignoring malformed payment ${message.messageId}: ${payment}`);
    const appended = await this.accounts.purchase(payment, paymentsConsumerName, message.messageId);
    this.logger.log(`${appended ? 'credited' : 'already credited'} ${payment.credits} credits to ${payment.email} for ${payment.checkoutSessionId}`);
  }

  /** A connected account's domains and state: the ledger's domain → account mapping for account-scoped credits. */
  private async connectedAccount(message: ConsumedMessage<unknown>): Promise<void> {
    const update = parseConnectedAccountUpdated(message.body);
    if (typeof update === 'string') return this.logger.error(`ignoring malformed connected account update ${message.messageId}: ${update}`);
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
    await this.accounts.change(email(body), {}, (a, now) => (block ? decideSuspendPlan({ ...command, now }, a) : decideResumePlan({ ...command, now }, a)), body.subscriptionId);
  }

  private async disputeClosed(body: DisputeClosedV1, message: ConsumedMessage<unknown>): Promise<void> {
    if (body.outcome === 'lost' && body.paymentIntentId) {
      const clawed = await this.accounts.change(email(body), { paymentIntentId: body.paymentIntentId }, (a, now) => decideClawBack({ disputeId: body.disputeId, paymentIntentId: body.paymentIntentId!, now }, a), body.disputeId);
      if (!clawed.ok && clawed.refusal.code !== 'lot_not_found') throw new Error(`claw back ${body.disputeId}: ${clawed.refusal.code}`);
    }
    this.expect(await this.accounts.change(email(body), {}, (a, now) => decideUnfreeze({ disputeId: body.disputeId, reason: `dispute ${body.outcome}`, now }, a), body.disputeId), message);
  }

  /** A cancelled subscription's credits (rollover ones included) expire at the end of the paid period. */
  private async subscriptionChanged(body: SubscriptionChangedV1, message: ConsumedMessage<unknown>): Promise<void> {
    if (body.status !== 'canceled') return;
    const endsAt = body.currentPeriodEnd ?? body.at;
    this.expect(await this.accounts.change(email(body), {}, (a, now) => decidePlanEnd({ subscriptionId: body.subscriptionId, endsAt, now }, a), body.subscriptionId), message);
  }

  private async externalRefund(body: ChargeRefundedExternallyV1, message: ConsumedMessage<unknown>): Promise<void> {
    const reply = await this.accounts.change(email(body), { paymentIntentId: body.paymentIntentId }, (a, now) => decideExternalRefund({ ...body, now }, a), body.refundId);
    if (!reply.ok && reply.refusal.code === 'lot_not_found') return this.logger.warn(`external refund ${body.refundId}: no purchase with ${body.paymentIntentId}`);
    this.expect(reply, message);
  }

  private expect(reply: Reply<unknown>, message: ConsumedMessage<unknown>): void {
    if (!reply.ok) this.logger.warn(`${message.subject} ${message.messageId}: ${reply.refusal.code} ${reply.refusal.detail}`);
  }
}

function email(body: Record<string, any>): string {
  return normalizeEmail(String(body.email ?? ''));
}

/**
 * Validates a PaymentSucceededV1 body. Returns the normalised payment, or a sentence naming the
 * first bad field.
 */
export function parsePaymentSucceeded(body: unknown): PaymentSucceededV1 | string {
  const b = body as Record<string, unknown>;
  if (!b || typeof b !== 'object') return 'body is not an object';
  const strings = ['stripeEventId', 'checkoutSessionId', 'domain', 'offeringId', 'email', 'currency', 'paidAt'] as const;
  for (const key of strings) if (typeof b[key] !== 'string' || (b[key] as string).length === 0) return `${key} must be a string`;
  for (const key of ['credits', 'amountMinor'] as const) {
    if (!Number.isSafeInteger(b[key]) || (b[key] as number) < 0) return `${key} must be a non-negative integer`;
  }
  if ((b['credits'] as number) === 0) return 'credits must be positive';
  if (Number.isNaN(Date.parse(b['paidAt'] as string))) return 'paidAt must be an ISO time';
  // Stripe Connect fields; older messages lack them (null).
  const connectedAccountId = b['connectedAccountId'] ?? null;
  if (connectedAccountId !== null && (typeof connectedAccountId !== 'string' || !connectedAccountIdPattern.test(connectedAccountId))) {
    return 'connectedAccountId must be a Stripe account id (acct_…) or null';
  }
  const applicationFeeMinor = b['applicationFeeMinor'] ?? null;
  if (applicationFeeMinor !== null && (!Number.isSafeInteger(applicationFeeMinor) || (applicationFeeMinor as number) < 0 || (applicationFeeMinor as number) > (b['amountMinor'] as number))) {
    return 'applicationFeeMinor must be null or an integer from 0 to amountMinor';
  }
  return {
    stripeEventId: b['stripeEventId'] as string,
    checkoutSessionId: b['checkoutSessionId'] as string,
    paymentIntentId: typeof b['paymentIntentId'] === 'string' ? (b['paymentIntentId'] as string) : null,
    domain: normalizeDomain(b['domain'] as string),
    offeringId: b['offeringId'] as string,
    email: normalizeEmail(b['email'] as string),
    credits: b['credits'] as number,
    amountMinor: b['amountMinor'] as number,
    currency: (b['currency'] as string).toLowerCase(),
    scopeDomain: typeof b['scopeDomain'] === 'string' ? normalizeDomain(b['scopeDomain'] as string) : null,
    paidAt: new Date(b['paidAt'] as string).toISOString(),
    connectedAccountId: connectedAccountId as string | null,
    applicationFeeMinor: applicationFeeMinor as number | null,
  };
}
