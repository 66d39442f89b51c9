import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NatsConnection } from 'nats';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { ReconcileCommand, ReconcileFinding, ReconcileReport, Reply, replyOk, replyRefused } from '@credit-hub/contracts';
import { InjectNats } from '@credit-hub/service-kit';
import { accountRevoked, markDisconnected } from '../connect/connected-account.store';
import { BillingConfig } from '../billing.config';
import { InjectStripe } from '../stripe/stripe.client';
import { onAccount } from '../stripe/stripe-account';
import { StripeClock } from '../stripe/stripe-clock';
import { asObject, isoOf, readInvoice, readMetadata, readText } from '../stripe/stripe-objects';
import { planGrantId, planTermsOf } from '../subscriptions';
import { VerifiedStripeEvent, WebhookService } from '../webhooks';
import { readLedgerFacts } from './ledger-stream.reader';
import { compare, factsInWindow, mayBeLag, PaidInvoice, PaidSession, windowStart } from './reconcile';

/** Stripe objects listed per kind at most in one run. */
const listedMax = 10_000;
/** Ledger purchases unknown to billing looked up one by one in Stripe at most. */
const lookupsMax = 100;
/** Wall-clock slack when mapping the window onto JetStream's publish times. */
const streamSlackSeconds = 120;

/**
 * `billing.commands.reconcile.v1`: for a window ending now (Stripe's clock), lists Stripe's
 * events and processes, exactly as if delivered, every one billing's inbox lacks (lost webhooks);
 * then compares Stripe's paid pack sessions and paid plan invoices with the ledger's
 * `CreditsPurchased` / plan `CreditsGranted` (read from stream LEDGER), both ways. Stripe is read
 * on the platform and on every connected account not disconnected (`Stripe-Account`), so a lost
 * Connect webhook is found too. Each account is read on its own: one Stripe refuses the platform
 * (403 or `account_invalid`: deauthorized while its webhook was lost) is marked disconnected
 * (`connected-account-updated.v1`), reported as a `connected_account_disconnected` finding and
 * skipped; the others are reconciled. The ledger may
 * lag billing's outbox by a moment, so "paid but not in the ledger" is re-checked for up to
 * `BILLING_RECONCILE_SETTLE_MS` before it is reported.
 */
@Injectable()
export class ReconcileService {
  private readonly logger = new Logger('Reconcile');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
    @InjectNats() private readonly nc: NatsConnection,
    private readonly clock: StripeClock,
    private readonly webhooks: WebhookService,
    private readonly config: BillingConfig,
  ) {}

  async reconcile(command: ReconcileCommand): Promise<Reply<ReconcileReport>> {
    const now = await this.clock.nowSeconds();
    const from = windowStart(command.since, now);
    if (from === undefined) return replyRefused('validation_failed', `since ${command.since} is not a window of at most 90 days ending now`, 'since');
    try {
      return replyOk(await this.run(from, now, command.process ?? true));
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      return replyRefused('stripe_unavailable', `Stripe could not be read: ${error.message}`);
    }
  }

  private async run(from: number, now: number, process: boolean): Promise<ReconcileReport> {
    const accountFindings: ReconcileFinding[] = [];
    const events: VerifiedStripeEvent[] = [];
    const paidSessions: PaidSession[] = [];
    const paidInvoices: PaidInvoice[] = [];
    for (const account of [undefined, ...(await this.connectedAccounts())]) {
      try {
        const listed = { events: await this.listEvents(from, account), sessions: await this.paidSessions(from, account), invoices: await this.paidInvoices(from, account) };
        events.push(...listed.events);
        paidSessions.push(...listed.sessions);
        paidInvoices.push(...listed.invoices);
      } catch (error) {
        if (account === undefined || !accountRevoked(error)) throw error;
        const changed = await markDisconnected(this.dataSource, account, 'reconcile');
        this.logger.warn(`Stripe refuses the platform ${account} (${(error as Error).message}); ${changed ? 'marked disconnected' : 'already disconnected'}, skipped`);
        accountFindings.push({ kind: 'connected_account_disconnected', id: account, email: null, detail: `Stripe no longer lets the platform read ${account} (deauthorized while no webhook arrived); marked disconnected, not reconciled` });
      }
    }
    const known: { account_id: string; stripe_event_id: string }[] = await this.dataSource.query(
      'SELECT account_id, stripe_event_id FROM stripe_events WHERE stripe_event_id = ANY($1::text[])',
      [events.map((event) => event.id)],
    );
    const seen = new Set(known.map((row) => `${row.account_id}/${row.stripe_event_id}`));
    // Oldest first, as Stripe sent them (each account's list is newest first).
    const missing = events.filter((event) => !seen.has(`${event.account ?? ''}/${event.id}`)).sort((a, b) => a.created - b.created);
    const eventsProcessed: ReconcileReport['eventsProcessed'] = [];
    for (const event of process ? missing : []) {
      const reply = await this.webhooks.process(event, 'reconcile');
      eventsProcessed.push({ id: event.id, type: event.type, outcome: reply.ok ? reply.value.outcome : reply.refusal.code });
    }
    if (eventsProcessed.length > 0) this.logger.warn(`processed ${eventsProcessed.length} Stripe events no webhook had delivered`);
    const sinceMs = (from - (now - Math.floor(Date.now() / 1000)) - streamSlackSeconds) * 1000;
    const settled = await this.settle(sinceMs, from, paidSessions, paidInvoices);
    const { ledgerPurchases, ledgerPlanGrants } = settled;
    const findings = [...accountFindings, ...settled.findings];
    return {
      from: isoOf(from), to: isoOf(now), eventsListed: events.length, eventsMissing: missing.map((event) => event.id), eventsProcessed,
      paidSessions: paidSessions.length, paidInvoices: paidInvoices.length, ledgerPurchases, ledgerPlanGrants, findings,
      ok: findings.length === 0 && eventsProcessed.every((event) => event.outcome !== 'stripe_unavailable'),
    };
  }

  /** Compares, re-reading the ledger while only lag-like findings remain and the settle time lasts. */
  private async settle(sinceMs: number, from: number, paidSessions: PaidSession[], paidInvoices: PaidInvoice[]) {
    const deadline = Date.now() + this.config.BILLING_RECONCILE_SETTLE_MS;
    for (;;) {
      // The stream is read from the earliest wall time the window can map to; the facts are then
      // cut to the window on Stripe's clock, so both sides cover the same window (reconcile.ts).
      const read = await readLedgerFacts(this.nc, sinceMs);
      const ledger = { purchases: factsInWindow(read.purchases, from), planGrants: factsInWindow(read.planGrants, from) };
      const paidSessionIds = await this.paidSessionIds(paidSessions, [...ledger.purchases.keys()]);
      const grants: { grant_id: string }[] = await this.dataSource.query(
        'SELECT grant_id FROM plan_grants WHERE grant_id = ANY($1::text[])',
        [[...ledger.planGrants.keys()]],
      );
      const findings: ReconcileFinding[] = compare({
        paidSessions, paidInvoices, ledgerPurchases: ledger.purchases, ledgerPlanGrants: ledger.planGrants, paidSessionIds,
        billingGrantIds: new Set(grants.map((row) => row.grant_id)),
      });
      const done = findings.length === 0 || !findings.some(mayBeLag) || Date.now() >= deadline;
      if (done) return { findings, ledgerPurchases: ledger.purchases.size, ledgerPlanGrants: ledger.planGrants.size };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Connected accounts whose events Stripe still lets the platform read (all but the disconnected). */
  private async connectedAccounts(): Promise<string[]> {
    const rows: { account_id: string }[] = await this.dataSource.query(
      `SELECT account_id FROM connected_accounts WHERE status <> 'disconnected' ORDER BY account_id`,
    );
    return rows.map((row) => row.account_id);
  }

  /**
   * Events of the window on the platform (`account` undefined) or on one connected account
   * (`Stripe-Account`; each event then carries that `account`, as a Connect webhook would).
   */
  private async listEvents(from: number, account: string | undefined): Promise<VerifiedStripeEvent[]> {
    const listed = await this.stripe.events.list({ created: { gte: from }, limit: 100 }, onAccount(account)).autoPagingToArray({ limit: listedMax });
    return listed.map((event) => {
      const verified = event as unknown as VerifiedStripeEvent;
      return account === undefined ? { ...verified, account: undefined } : { ...verified, account };
    });
  }

  /** Paid checkout sessions of credit packs billing sold, created in the window (on the platform, or on one connected account). */
  private async paidSessions(from: number, account: string | undefined): Promise<PaidSession[]> {
    const sessions = await this.stripe.checkout.sessions.list({ created: { gte: from }, status: 'complete', limit: 100 }, onAccount(account)).autoPagingToArray({ limit: listedMax });
    return sessions
      .filter((session) => session.mode === 'payment' && session.payment_status === 'paid')
      .filter((session) => {
        const metadata = readMetadata(session.metadata);
        return Boolean(metadata['domain'] && metadata['offeringId'] && metadata['credits']);
      })
      .map((session) => ({ id: session.id, email: readMetadata(session.metadata)['email'] ?? session.customer_email ?? null }));
  }

  /** Paid invoices of billing's plans created in the window, each with the grant it should have given. */
  private async paidInvoices(from: number, account: string | undefined): Promise<PaidInvoice[]> {
    const invoices = await this.stripe.invoices.list({ created: { gte: from }, status: 'paid', limit: 100 }, onAccount(account)).autoPagingToArray({ limit: listedMax });
    const paid: PaidInvoice[] = [];
    for (const raw of invoices) {
      const invoice = readInvoice(raw as unknown);
      const terms = invoice ? planTermsOf(invoice.subscriptionMetadata) : undefined;
      if (!invoice?.subscriptionId || !invoice.billedPeriod || !terms) continue;
      paid.push({ id: invoice.id, email: terms.email, grantId: planGrantId(invoice.subscriptionId, invoice.billedPeriod.start) });
    }
    return paid;
  }

  /**
   * Which of the sessions the ledger credited are known paid: the window's list, billing's
   * completed sales, then Stripe itself for the rest (bounded).
   */
  private async paidSessionIds(listed: PaidSession[], credited: string[]): Promise<Set<string>> {
    const paid = new Set(listed.map((session) => session.id));
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM checkout_sessions WHERE id = ANY($1::text[]) AND status = 'completed'`,
      [credited.filter((id) => !paid.has(id))],
    );
    for (const row of rows) paid.add(row.id);
    for (const id of credited.filter((candidate) => !paid.has(candidate)).slice(0, lookupsMax)) {
      const session = await this.stripe.checkout.sessions.retrieve(id).catch(() => undefined);
      const object = asObject(session as unknown);
      if (readText(object, 'payment_status') === 'paid') paid.add(id);
    }
    return paid;
  }
}
