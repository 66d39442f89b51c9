import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import {
  BillingPortalSessionResult, CancelSubscriptionCommand, ChangePlanCommand, CreateBillingPortalSessionCommand, ListSubscriptionsQuery, Reply,
  replyOk, replyRefused, SubscriptionList, SubscriptionView,
} from '@credit-hub/contracts';
import { CatalogService } from '../catalog';
import { checkoutMetadata } from '../checkout';
import { InjectStripe } from '../stripe/stripe.client';
import { onAccount } from '../stripe/stripe-account';
import { readSubscription } from '../stripe/stripe-objects';
import { isFinal, planTermsOf } from './subscription-state';
import { changedPlan } from './subscription-sync';
import { listSubscriptions, SubscriptionRecord, subscriptionView } from './subscription.store';

/**
 * What a customer does with their own subscriptions, through the gateway: list them, open
 * Stripe's billing portal, cancel, switch plan. Ownership is checked here: a subscription is acted
 * on only for the email and domain it was sold to; anyone else gets `not_found` (whether it exists
 * is not theirs to learn). Stripe's answer comes back as webhooks, which sync billing's copy.
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger('Subscriptions');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
    private readonly catalog: CatalogService,
  ) {}

  async list(query: ListSubscriptionsQuery): Promise<Reply<SubscriptionList>> {
    const records = await listSubscriptions(this.dataSource, query.email, query.domain);
    return replyOk({ email: query.email, domain: query.domain, subscriptions: records.map(subscriptionView) });
  }

  /** A Stripe billing portal session for the customer's own Stripe customer (newest subscription's). */
  async portal(command: CreateBillingPortalSessionCommand): Promise<Reply<BillingPortalSessionResult>> {
    const [newest] = await listSubscriptions(this.dataSource, command.email, command.domain);
    if (!newest) return replyRefused('not_found', `${command.email} has no subscription on ${command.domain}`, 'email');
    return this.callStripe('open the billing portal', async () => {
      const session = await this.stripe.billingPortal.sessions.create({ customer: newest.customerId, return_url: command.returnUrl }, onAccount(newest.connectedAccountId));
      return { url: session.url, portalSessionId: session.id };
    });
  }

  /** Cancels at the period end (default) or now; only the owner. Idempotent. */
  async cancel(command: CancelSubscriptionCommand): Promise<Reply<SubscriptionView>> {
    const owned = await this.owned(command.subscriptionId, command.email, command.domain);
    if (!owned) return notFound(command.subscriptionId);
    if (isFinal(owned.status)) return replyOk(subscriptionView(owned));
    const atPeriodEnd = command.atPeriodEnd ?? true;
    return this.callStripe('cancel the subscription', async () => {
      const updated = atPeriodEnd
        ? await this.stripe.subscriptions.update(owned.id, { cancel_at_period_end: true }, onAccount(owned.connectedAccountId, { idempotencyKey: `cancel-${owned.id}-end` }))
        : await this.stripe.subscriptions.cancel(owned.id, {}, onAccount(owned.connectedAccountId));
      return viewAfter(owned, updated);
    });
  }

  /**
   * Switches to another active plan of the same domain and currency: the subscription's item gets
   * the new price and its metadata the new terms, from the next invoice on (no proration).
   */
  async changePlan(command: ChangePlanCommand): Promise<Reply<SubscriptionView>> {
    const owned = await this.owned(command.subscriptionId, command.email, command.domain);
    if (!owned || isFinal(owned.status)) return notFound(command.subscriptionId);
    const offering = await this.catalog.findSellable(command.domain, command.offeringId);
    if (!offering || offering.kind !== 'plan' || offering.currency !== owned.terms.currency) {
      return replyRefused('offering_not_found', `${command.domain} has no plan ${command.offeringId} in ${owned.terms.currency}`, 'offeringId');
    }
    if (offering.offeringId === owned.terms.offeringId) return replyOk(subscriptionView(owned));
    return this.callStripe('change the plan', async () => {
      const current = readSubscription((await this.stripe.subscriptions.retrieve(owned.id, {}, onAccount(owned.connectedAccountId))) as unknown);
      if (!current?.itemId || !current.productId) throw new Error(`subscription ${owned.id} has no item to switch`);
      const updated = await this.stripe.subscriptions.update(owned.id, {
        items: [{ id: current.itemId, price_data: { currency: offering.currency, product: current.productId, unit_amount: offering.amountMinor, recurring: { interval: offering.interval } } }],
        metadata: { ...checkoutMetadata(offering, owned.terms.email) },
        proration_behavior: 'none',
      }, onAccount(owned.connectedAccountId));
      return viewAfter(owned, updated);
    });
  }

  private async owned(id: string, email: string, domain: string): Promise<SubscriptionRecord | undefined> {
    const records = await listSubscriptions(this.dataSource, email, domain);
    return records.find((record) => record.id === id);
  }

  private async callStripe<T>(what: string, call: () => Promise<T>): Promise<Reply<T>> {
    try {
      return replyOk(await call());
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      this.logger.warn(`Stripe failed to ${what}: ${error.type} ${error.message}`);
      return replyRefused('stripe_unavailable', `Stripe could not ${what}: ${error.message}`);
    }
  }
}

function notFound(id: string): Reply<never> {
  return replyRefused('not_found', `no subscription ${id} of this customer on this domain`, 'subscriptionId');
}

/**
 * The view right after a Stripe call: Stripe's status and, after a plan switch, the terms Stripe
 * now carries in its metadata (billing's row catches up when the webhook arrives).
 */
function viewAfter(owned: SubscriptionRecord, updated: unknown): SubscriptionView {
  const snapshot = readSubscription(updated);
  if (!snapshot) return subscriptionView(owned);
  const switched = planTermsOf(snapshot.metadata);
  const terms = switched ? { ...owned.terms, ...changedPlan(owned.terms, switched) } : owned.terms;
  return { ...subscriptionView({ ...owned, terms }), status: snapshot.status, cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd };
}
