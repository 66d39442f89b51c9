import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { BillingEventSubjects, PlanCreditsBlockV1, SubscriptionChangedV1 } from '@credit-hub/contracts';
import { OutboxMessage, writeOutbox } from '@credit-hub/messaging';
import { foreignDomainsRefusal, recordRefusal, sameAccount } from '../connect';
import { InjectStripe } from '../stripe/stripe.client';
import { accountLabel, onAccount } from '../stripe/stripe-account';
import { isoOf, readSubscription, SubscriptionSnapshot } from '../stripe/stripe-objects';
import { advance, GrantReason, planGrant, PlanGrantInput, planTermsOf, PlanTerms, visibleChange } from './subscription-state';
import { loadSubscriptionForUpdate, rememberCustomer, saveSubscription, SubscriptionRecord } from './subscription.store';

/** The Stripe event being handled: its id names the messages it causes, its `created` is "now". */
export interface Cause {
  id: string;
  created: number;
  /** The connected account the event came from (undefined: the platform); Stripe is asked on that account. */
  account?: string;
}

/** Why plan credits are blocked, as the ledger records it. */
export const pastDueReason = 'payment_past_due';

/**
 * Keeps billing's copy of a Stripe subscription in step, inside the webhook's transaction:
 * per-subscription advisory lock, then a re-fetch from Stripe (so what is applied is at least as
 * new as anything applied before: order of delivery no longer matters), then the forward-only
 * rules of `advance` (Connect: on the account the event came from; a subscription recorded on
 * another account, or on the platform, is left alone), then the messages: `subscription-changed`, and `plan-credits-blocked` /
 * `-unblocked` as the payment grace ends or a payment succeeds.
 *
 * Connect: the builder owns its account and can edit a subscription's metadata there, so on a
 * connected account the terms come only from billing (its checkout row, then its record); a plan
 * switch is taken only when the metadata names an active plan of the domain's catalog whose
 * price (amount, currency, interval) the subscription's item now has, with the catalog's terms.
 * A subscription with neither a checkout row nor a record is not billing's (ignored), and the
 * re-fetched subscription must name no domain of another account (refused and recorded).
 */
@Injectable()
export class SubscriptionSync {
  private readonly logger = new Logger('SubscriptionSync');

  constructor(@InjectStripe() private readonly stripe: Stripe) {}

  /**
   * Syncs subscription `id`. `eventObject`: the event's own copy, used only when Stripe no longer
   * knows the subscription. `sold`: terms from billing's checkout row (they win over metadata).
   * Returns the stored record, or undefined when the subscription is not billing's.
   */
  async sync(manager: EntityManager, id: string, cause: Cause, eventObject?: unknown, sold?: PlanTerms): Promise<SubscriptionRecord | undefined> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`subscription:${id}`]);
    const current = await loadSubscriptionForUpdate(manager, id);
    if (current && !sameAccount(current.connectedAccountId, cause.account)) {
      this.logger.warn(`${cause.id}: subscription ${id} lives on ${accountLabel(current.connectedAccountId)}, the event comes from ${accountLabel(cause.account)}; refused`);
      return undefined;
    }
    const { snapshot, fresh, raw } = await this.fetch(id, eventObject, cause.account);
    if (!snapshot) return current;
    let terms: PlanTerms | undefined;
    let switched: Partial<PlanTerms> = {};
    if (cause.account !== undefined) {
      const foreign = raw === undefined ? undefined : await foreignDomainsRefusal(manager, cause.account, raw);
      if (foreign !== undefined) {
        this.logger.warn(`${cause.id}: subscription ${id} re-fetched on ${cause.account} refused: ${foreign}`);
        await recordRefusal(manager, cause, `subscription ${id}: ${foreign}`);
        return undefined;
      }
      terms = sold ?? current?.terms;
      if (current && !sold) switched = await catalogSwitch(manager, current.terms, snapshot);
    } else {
      const fromMetadata = planTermsOf(snapshot.metadata);
      terms = sold ?? fromMetadata ?? current?.terms;
      if (current && !sold && fromMetadata) switched = changedPlan(current.terms, fromMetadata);
    }
    if (!terms) {
      this.logger.warn(`subscription ${id} has no billing ${cause.account === undefined ? 'metadata' : 'checkout row or record'}: not ours, ignored`);
      return undefined;
    }
    const state = advance(current, snapshot, cause.created, fresh);
    if (!state) return current; // an older copy: state only moves forward
    const next: SubscriptionRecord = {
      id,
      customerId: snapshot.customerId,
      terms: current && !sold ? { ...current.terms, ...switched } : terms,
      checkoutSessionId: current?.checkoutSessionId ?? null,
      graceEndsAt: current?.graceEndsAt ?? null,
      planCreditsBlocked: current?.planCreditsBlocked ?? false,
      trialWillEndAt: current?.trialWillEndAt ?? null,
      connectedAccountId: current?.connectedAccountId ?? cause.account ?? null,
      ...state,
    };
    const messages: OutboxMessage[] = [];
    if (next.status === 'active' || next.status === 'trialing') settle(next, cause, messages);
    else blockIfGraceOver(next, cause.created, `${cause.id}:plan-credits-blocked`, messages);
    // A plan switch is news too (same status and dates, another offering from the next period on).
    const switchedPlan = current !== undefined && current.terms.offeringId !== next.terms.offeringId;
    if (visibleChange(current, next) || switchedPlan) messages.push(changedMessage(current, next, cause));
    await rememberCustomer(manager, next.customerId, next.terms.email);
    await saveSubscription(manager, next);
    await writeOutbox(manager, messages);
    return next;
  }

  /** Saves `record` and writes `messages` (callers that changed grace, reminders or blocks). */
  async save(manager: EntityManager, record: SubscriptionRecord, messages: OutboxMessage[]): Promise<void> {
    await saveSubscription(manager, record);
    await writeOutbox(manager, messages);
  }

  /**
   * Records the grant of one period unless that period was granted before (by another event):
   * a `plan_grants` row and the `plan-credits-granted` message. Returns whether it granted.
   */
  async grant(manager: EntityManager, input: PlanGrantInput, reason: GrantReason): Promise<boolean> {
    const message = planGrant(input);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO plan_grants (grant_id, subscription_id, invoice_id, period_start, period_end, credits, expires_at, reason, stripe_event_id)
       VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($5), $6, $7, $8, $9) ON CONFLICT (grant_id) DO NOTHING RETURNING 1`,
      [message.grantId, input.subscriptionId, input.invoiceId, input.period.start, input.period.end, input.credits, message.expiresAt, reason, input.stripeEventId],
    );
    if (inserted.length === 0) return false;
    await writeOutbox(manager, [{ messageId: `${input.stripeEventId}:plan-credits-granted`, subject: BillingEventSubjects.planCreditsGranted, payload: message }]);
    return true;
  }

  /** The subscription as Stripe has it now; the event's copy only if Stripe lost it (then not fresh). */
  private async fetch(id: string, eventObject: unknown, account: string | undefined): Promise<{ snapshot: SubscriptionSnapshot | undefined; fresh: boolean; raw?: Record<string, unknown> }> {
    try {
      const fetched = await this.stripe.subscriptions.retrieve(id, {}, onAccount(account));
      return { snapshot: readSubscription(fetched as unknown), fresh: true, raw: fetched as unknown as Record<string, unknown> };
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.code !== 'resource_missing') throw error;
      this.logger.warn(`subscription ${id} is unknown to Stripe; using the event's copy`);
      const fromEvent = readSubscription(eventObject);
      return { snapshot: fromEvent?.id === id ? fromEvent : undefined, fresh: false };
    }
  }
}

/**
 * A plan switch changes what future periods are sold as (metadata written by ChangePlan); the
 * customer stays who they were: email and domain never change.
 */
export function changedPlan(current: PlanTerms, metadata: PlanTerms): Partial<PlanTerms> {
  if (metadata.domain !== current.domain || metadata.email !== current.email) return {};
  const { offeringId, creditsPerPeriod, rollover, amountMinor, currency, interval } = metadata;
  return { offeringId, creditsPerPeriod, rollover, amountMinor, currency, interval };
}

/**
 * A plan switch on a connected account, where the metadata is the builder's to edit: taken only
 * when the metadata names another active plan of the same domain's catalog and the subscription's
 * item has that plan's price (unit amount in minor units, currency, interval), as billing's
 * ChangePlan sets both; the terms are the catalog's. Otherwise no change.
 */
export async function catalogSwitch(manager: EntityManager, current: PlanTerms, snapshot: SubscriptionSnapshot): Promise<Partial<PlanTerms>> {
  const offeringId = snapshot.metadata['offeringId'];
  if (offeringId === undefined || offeringId === current.offeringId || snapshot.price === null) return {};
  const [plan]: { credits: number; amount_minor: number; currency: string; interval: 'month' | 'year'; rollover: boolean }[] = await manager.query(
    `SELECT credits, amount_minor, currency, interval, rollover FROM offerings
      WHERE domain = $1 AND offering_id = $2 AND kind = 'plan' AND active AND interval IS NOT NULL AND rollover IS NOT NULL`,
    [current.domain, offeringId],
  );
  const price = snapshot.price;
  if (!plan || plan.amount_minor !== price.amountMinor || plan.currency !== price.currency || plan.interval !== price.interval) return {};
  return { offeringId, creditsPerPeriod: plan.credits, rollover: plan.rollover, amountMinor: plan.amount_minor, currency: plan.currency, interval: plan.interval };
}

/** Paid up (active or trialing): the grace is over and blocked plan credits are usable again. */
function settle(record: SubscriptionRecord, cause: Cause, messages: OutboxMessage[]): void {
  record.graceEndsAt = null;
  if (record.planCreditsBlocked) unblock(record, cause, messages);
}

/** Unblocks the plan's credits (a payment succeeded). */
export function unblock(record: SubscriptionRecord, cause: Cause, messages: OutboxMessage[]): void {
  record.planCreditsBlocked = false;
  const payload: PlanCreditsBlockV1 = { subscriptionId: record.id, email: record.terms.email, domain: record.terms.domain, reason: 'payment_succeeded', at: isoOf(cause.created) };
  messages.push({ messageId: `${cause.id}:plan-credits-unblocked`, subject: BillingEventSubjects.planCreditsUnblocked, payload });
}

/**
 * Blocks the plan's credits when its grace has ended by `now` (Stripe's time) and it is not
 * blocked yet. Returns whether it blocked.
 */
export function blockIfGraceOver(record: SubscriptionRecord, now: number, messageId: string, messages: OutboxMessage[]): boolean {
  if (record.planCreditsBlocked || record.graceEndsAt === null || record.graceEndsAt > now) return false;
  record.planCreditsBlocked = true;
  const payload: PlanCreditsBlockV1 = { subscriptionId: record.id, email: record.terms.email, domain: record.terms.domain, reason: pastDueReason, at: isoOf(record.graceEndsAt) };
  messages.push({ messageId, subject: BillingEventSubjects.planCreditsBlocked, payload });
  return true;
}

function changedMessage(before: SubscriptionRecord | undefined, after: SubscriptionRecord, cause: Cause): OutboxMessage {
  const iso = (seconds: number | null) => (seconds === null ? null : isoOf(seconds));
  const payload: SubscriptionChangedV1 = {
    subscriptionId: after.id,
    email: after.terms.email,
    domain: after.terms.domain,
    offeringId: after.terms.offeringId,
    status: after.status,
    previousStatus: before?.status ?? null,
    trialEnd: iso(after.trialEnd),
    currentPeriodEnd: iso(after.currentPeriodEnd),
    cancelAtPeriodEnd: after.cancelAtPeriodEnd,
    graceEndsAt: iso(after.graceEndsAt),
    at: isoOf(cause.created),
  };
  return { messageId: `${cause.id}:subscription-changed`, subject: BillingEventSubjects.subscriptionChanged, payload };
}
