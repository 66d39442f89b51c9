import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { BillingEventSubjects, PaymentFailedV1, TrialWillEndV1 } from '@credit-hub/contracts';
import { OutboxMessage } from '@credit-hub/messaging';
import { CatalogService } from '../catalog';
import { InjectStripe } from '../stripe/stripe.client';
import { accountLabel, onAccount } from '../stripe/stripe-account';
import { recordRefusal, sameAccount } from '../connect';
import { InvoiceFacts, isoOf, readId, readInvoice, StripeObject } from '../stripe/stripe-objects';
import { graceEndsAt, GrantReason, planTermsOf, PlanTerms, blockIfGraceOver, SubscriptionSync, unblock, SubscriptionRecord } from '../subscriptions';
import { causeOf, Outcome, StripeEventHandler } from './stripe-event-handler';
import { VerifiedStripeEvent } from './webhook-verification';

/** A subscription-mode checkout row: the plan as sold. */
interface PlanCheckoutRow {
  id: string;
  domain: string;
  offering_id: string;
  email: string;
  credits: number;
  amount_minor: number;
  currency: string;
  interval: 'month' | 'year' | null;
  rollover: boolean | null;
  connected_account_id: string | null;
}

/**
 * Subscriptions (seed 001's six events, and seed 002's grace):
 * - `checkout.session.completed` (subscription mode): the plan is on at once; the first period's
 *   credits are granted (the trial, or the period the first invoice paid).
 * - `customer.subscription.created/updated/deleted`: status, trial, period, cancellation synced.
 * - `customer.subscription.trial_will_end`: recorded and published (`trial-will-end.v1`).
 * - `invoice.payment_succeeded`: the billed period's credits (once per period), grace over.
 * - `invoice.payment_failed`: `past_due`/`unpaid` as Stripe says, `payment-failed.v1`, the grace
 *   starts (the domain's days after the invoice was first attempted) and the renewed period's
 *   credits are granted so the plan stays usable during it; after it they are blocked.
 * Every handler re-fetches the subscription (and the invoice) from Stripe under a per-subscription
 * lock, so events may arrive late, repeated or shuffled: the state moves forward only.
 */
@Injectable()
export class SubscriptionEventsHandler implements StripeEventHandler {
  private readonly logger = new Logger('SubscriptionEvents');
  readonly types = [
    'checkout.session.completed', 'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
    'customer.subscription.trial_will_end', 'invoice.payment_succeeded', 'invoice.payment_failed',
  ] as const;

  constructor(
    private readonly sync: SubscriptionSync,
    private readonly catalog: CatalogService,
    @InjectStripe() private readonly stripe: Stripe,
  ) {}

  /** `checkout.session.completed` is this handler's only in subscription mode. */
  accepts(event: VerifiedStripeEvent): boolean {
    return event.type !== 'checkout.session.completed' || event.data.object['mode'] === 'subscription';
  }

  async handle(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    switch (event.type) {
      case 'checkout.session.completed':
        return this.checkoutCompleted(manager, event);
      case 'customer.subscription.trial_will_end':
        return this.trialWillEnd(manager, event);
      case 'invoice.payment_succeeded':
        return this.invoicePaid(manager, event);
      case 'invoice.payment_failed':
        return this.invoiceFailed(manager, event);
      default: {
        const id = readId(event.data.object);
        if (id === null) return 'ignored';
        return (await this.sync.sync(manager, id, causeOf(event), event.data.object)) ? 'processed' : 'ignored';
      }
    }
  }

  private async checkoutCompleted(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const session = event.data.object;
    const subscriptionId = readId(session['subscription']);
    const paid = session['payment_status'] === 'paid' || session['payment_status'] === 'no_payment_required';
    if (subscriptionId === null || !paid) return 'ignored';
    const [row]: PlanCheckoutRow[] = await manager.query(
      `SELECT id, domain, offering_id, email, credits, amount_minor, currency, interval, rollover, connected_account_id FROM checkout_sessions WHERE id = $1 FOR UPDATE`,
      [String(session['id'])],
    );
    if (row && !sameAccount(row.connected_account_id, event.account)) {
      this.logger.warn(`${event.id}: plan session ${row.id} was sold on ${accountLabel(row.connected_account_id)}, the event comes from ${accountLabel(event.account)}; refused`);
      return 'ignored';
    }
    if (event.account !== undefined && (!row || soldTerms(row) === undefined)) {
      // The builder owns its account and can open subscriptions there itself: only billing's own sale counts.
      const why = `plan session ${String(session['id'])} on ${event.account} was not opened by billing: a subscription the builder made on its own account grants nothing`;
      this.logger.warn(`${event.id}: ${why}`);
      await recordRefusal(manager, event, why);
      return 'ignored';
    }
    const record = await this.sync.sync(manager, subscriptionId, causeOf(event), undefined, row ? soldTerms(row) : undefined);
    if (!record) return 'ignored';
    if (row) {
      await manager.query(
        `UPDATE checkout_sessions SET status = 'completed', completed_at = COALESCE(completed_at, to_timestamp($2)), subscription_id = $3, customer_id = $4
          WHERE id = $1`,
        [row.id, event.created, subscriptionId, record.customerId],
      );
      record.checkoutSessionId = row.id;
      await this.sync.save(manager, record, []);
    }
    await this.grantFirstPeriod(manager, event, record, readId(session['invoice']));
    return 'processed';
  }

  /** The trial (no invoice), or the period the first invoice paid. */
  private async grantFirstPeriod(manager: EntityManager, event: VerifiedStripeEvent, record: SubscriptionRecord, invoiceId: string | null): Promise<void> {
    const base = { stripeEventId: event.id, subscriptionId: record.id, terms: record.terms, credits: record.terms.creditsPerPeriod, at: event.created, connectedAccountId: record.connectedAccountId };
    if (record.trialStart !== null && record.trialEnd !== null && record.trialEnd > record.trialStart) {
      await this.sync.grant(manager, { ...base, invoiceId: null, period: { start: record.trialStart, end: record.trialEnd } }, 'trial');
      return;
    }
    const invoice = invoiceId === null ? undefined : await this.fetchInvoice(invoiceId, undefined, event.account);
    if (invoice?.status === 'paid' && invoice.billedPeriod) {
      await this.sync.grant(manager, { ...base, invoiceId: invoice.id, credits: creditsOf(invoice, record), period: invoice.billedPeriod }, 'first_period');
    }
    if (invoice?.status === 'paid') await recordInvoicePayment(manager, invoice, record);
  }

  private async trialWillEnd(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const id = readId(event.data.object);
    const record = id === null ? undefined : await this.sync.sync(manager, id, causeOf(event), event.data.object);
    if (!record) return 'ignored';
    if (record.trialWillEndAt !== null) return 'processed'; // recorded from an earlier copy of the reminder
    record.trialWillEndAt = event.created;
    const trialEnd = record.trialEnd ?? event.created;
    const payload: TrialWillEndV1 = { subscriptionId: record.id, email: record.terms.email, domain: record.terms.domain, trialEnd: isoOf(trialEnd), at: isoOf(event.created) };
    this.logger.log(`trial of ${record.id} (${record.terms.email}, ${record.terms.domain}) ends ${isoOf(trialEnd)}`);
    await this.sync.save(manager, record, [{ messageId: event.id, subject: BillingEventSubjects.trialWillEnd, payload }]);
    return 'processed';
  }

  private async invoicePaid(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const invoice = await this.fetchInvoice(readId(event.data.object), event.data.object, event.account);
    if (!invoice?.subscriptionId || invoice.status !== 'paid') return 'ignored';
    const record = await this.sync.sync(manager, invoice.subscriptionId, causeOf(event));
    if (!record) return 'ignored';
    if (invoice.billedPeriod) {
      const reason: GrantReason = invoice.billingReason === 'subscription_create' ? 'first_period' : 'renewal';
      const grant = { stripeEventId: event.id, subscriptionId: record.id, invoiceId: invoice.id, terms: record.terms, credits: creditsOf(invoice, record), period: invoice.billedPeriod, at: event.created, connectedAccountId: record.connectedAccountId };
      await this.sync.grant(manager, grant, reason);
    }
    await recordInvoicePayment(manager, invoice, record);
    if (record.graceEndsAt !== null || record.planCreditsBlocked) {
      // A payment succeeded: "until a payment succeeds" is over.
      const messages: OutboxMessage[] = [];
      record.graceEndsAt = null;
      if (record.planCreditsBlocked) unblock(record, causeOf(event), messages);
      await this.sync.save(manager, record, messages);
    }
    return 'processed';
  }

  private async invoiceFailed(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const invoice = await this.fetchInvoice(readId(event.data.object), event.data.object, event.account);
    if (!invoice?.subscriptionId) return 'ignored';
    const record = await this.sync.sync(manager, invoice.subscriptionId, causeOf(event));
    if (!record) return 'ignored';
    const messages: OutboxMessage[] = [];
    if (invoice.status === 'open') await this.startGrace(manager, event, record, invoice, messages);
    const payload: PaymentFailedV1 = {
      subscriptionId: record.id, invoiceId: invoice.id, email: record.terms.email, domain: record.terms.domain, amountMinor: invoice.amountDue,
      currency: invoice.currency, status: record.status, attemptCount: invoice.attemptCount,
      graceEndsAt: record.graceEndsAt === null ? null : isoOf(record.graceEndsAt), at: isoOf(event.created),
    };
    messages.push({ messageId: event.id, subject: BillingEventSubjects.paymentFailed, payload });
    await this.sync.save(manager, record, messages);
    return 'processed';
  }

  /**
   * The invoice is still unpaid: the grace runs from its first attempt; the renewed period's
   * credits are granted now (they stay usable during the grace, blocked after it); a grace already
   * over by this event's time blocks at once.
   */
  private async startGrace(manager: EntityManager, event: VerifiedStripeEvent, record: SubscriptionRecord, invoice: InvoiceFacts, messages: OutboxMessage[]): Promise<void> {
    if (record.graceEndsAt === null && !record.planCreditsBlocked) {
      record.graceEndsAt = graceEndsAt(invoice.created, await this.catalog.graceDays(record.terms.domain));
    }
    blockIfGraceOver(record, event.created, `${event.id}:plan-credits-blocked`, messages);
    if (invoice.billingReason === 'subscription_cycle' && invoice.billedPeriod) {
      const grant = { stripeEventId: event.id, subscriptionId: record.id, invoiceId: invoice.id, terms: record.terms, credits: creditsOf(invoice, record), period: invoice.billedPeriod, at: event.created, connectedAccountId: record.connectedAccountId };
      await this.sync.grant(manager, grant, 'grace');
    }
  }

  /** The invoice as Stripe has it now (the event's copy only if Stripe lost it). */
  private async fetchInvoice(id: string | null, eventObject: StripeObject | undefined, account: string | undefined): Promise<InvoiceFacts | undefined> {
    if (id === null) return undefined;
    try {
      return readInvoice((await this.stripe.invoices.retrieve(id, {}, onAccount(account))) as unknown);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.code !== 'resource_missing') throw error;
      return eventObject === undefined ? undefined : readInvoice(eventObject);
    }
  }
}

/**
 * Records the payment intent that paid `invoice` (`invoice_payments`), once, with the account the
 * subscription is billed on: money refunds and `charge.refunded` find a plan payment by it.
 * Nothing when the invoice names no payment intent (a zero invoice, or paid out of band).
 */
async function recordInvoicePayment(manager: EntityManager, invoice: InvoiceFacts, record: SubscriptionRecord): Promise<void> {
  if (invoice.paymentIntentId === null) return;
  await manager.query(
    `INSERT INTO invoice_payments (payment_intent_id, invoice_id, subscription_id, connected_account_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (payment_intent_id) DO NOTHING`,
    [invoice.paymentIntentId, invoice.id, record.id, record.connectedAccountId],
  );
}

/**
 * Credits of the period an invoice pays for: as the subscription was sold when the invoice was made.
 * On a connected account the metadata is the builder's to edit, so only billing's record counts
 * (its terms come from billing's checkout row, and a plan switch from the catalog).
 */
function creditsOf(invoice: InvoiceFacts, record: SubscriptionRecord): number {
  if (record.connectedAccountId !== null) return record.terms.creditsPerPeriod;
  const sold = planTermsOf(invoice.subscriptionMetadata);
  return sold && sold.email === record.terms.email ? sold.creditsPerPeriod : record.terms.creditsPerPeriod;
}

function soldTerms(row: PlanCheckoutRow): PlanTerms | undefined {
  if (row.interval === null || row.rollover === null) return undefined;
  return {
    domain: row.domain, offeringId: row.offering_id, email: row.email, creditsPerPeriod: row.credits, rollover: row.rollover,
    amountMinor: row.amount_minor, currency: row.currency, interval: row.interval,
  };
}
