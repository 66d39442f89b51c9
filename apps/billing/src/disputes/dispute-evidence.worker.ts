import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { PeriodicTask } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';
import { InjectStripe } from '../stripe/stripe.client';
import { onAccount } from '../stripe/stripe-account';
import { domainsOfAccount } from '../connect';
import { buildEvidence, CheckoutFact, EvidenceFacts } from './dispute-evidence';
import { LedgerClient } from './ledger.client';

/** Disputes drafted per run at most. */
const draftsPerRunMax = 10;
/** Attempts before a draft is given up (`failed`; an operator drafts by hand). */
const attemptsMax = 10;
/** Longest wait between attempts. */
const backoffSecondsMax = 600;

interface PendingDispute {
  id: string;
  charge_id: string;
  payment_intent_id: string | null;
  email: string;
  domain: string;
  amount_minor: number;
  currency: string;
  reason: string;
  evidence_attempts: number;
  connected_account_id: string | null;
}

/**
 * Drafts the evidence of every new dispute: the customer's consumptions and refunds from the
 * ledger (`LedgerSubjects.getHistory`, paged), the checkout and consent facts from billing's
 * sales, attached through Stripe's dispute update API with `submit: false` (staged for a person to
 * review and submit; Stripe's deadline is usually 7 days). Runs in the background so a webhook
 * never waits on the ledger; a failure is retried with a growing delay, at most 10 times.
 * A dispute on a connected account's direct charge gets its evidence on that account (`Stripe-Account`).
 */
@Injectable()
export class DisputeEvidenceWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DisputeEvidence');
  readonly task: PeriodicTask;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
    private readonly ledger: LedgerClient,
    config: BillingConfig,
  ) {
    this.task = new PeriodicTask('DisputeEvidence', config.BILLING_SCHEDULER_INTERVAL_MS, () => this.draftDue());
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Drafts the evidence of the disputes that are due. */
  async draftDue(): Promise<void> {
    const due: PendingDispute[] = await this.dataSource.query(
      `SELECT id, charge_id, payment_intent_id, email, domain, amount_minor, currency, reason, evidence_attempts, connected_account_id
         FROM disputes WHERE evidence_status = 'pending' AND evidence_next_attempt_at <= now() ORDER BY evidence_next_attempt_at LIMIT $1`,
      [draftsPerRunMax],
    );
    for (const dispute of due) await this.draft(dispute);
  }

  private async draft(dispute: PendingDispute): Promise<void> {
    try {
      const evidence = buildEvidence(await this.facts(dispute));
      await this.stripe.disputes.update(
        dispute.id,
        { evidence, submit: false, metadata: { evidence_drafted_by: 'credit-hub' } },
        onAccount(dispute.connected_account_id, { idempotencyKey: `evidence-${dispute.id}-${dispute.evidence_attempts}` }),
      );
      await this.mark(dispute.id, 'staged', null);
      this.logger.log(`evidence of dispute ${dispute.id} (${dispute.email}) staged for review`);
    } catch (error) {
      const message = (error as Error).message.slice(0, 500);
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        // Stripe no longer takes evidence (closed, or submitted by hand meanwhile): nothing to retry.
        await this.mark(dispute.id, 'skipped', message);
        return;
      }
      const attempts = dispute.evidence_attempts + 1;
      const waitSeconds = Math.min(backoffSecondsMax, 2 ** attempts);
      this.logger.warn(`evidence of dispute ${dispute.id} not drafted (attempt ${attempts}): ${message}`);
      await this.dataSource.query(
        `UPDATE disputes SET evidence_attempts = $2, evidence_error = $3, evidence_status = $4,
           evidence_next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1 AND evidence_status = 'pending'`,
        [dispute.id, attempts, message, attempts >= attemptsMax ? 'failed' : 'pending', waitSeconds],
      );
    }
  }

  private async facts(dispute: PendingDispute): Promise<EvidenceFacts> {
    let history = await this.ledger.history(dispute.email);
    // On a connected account, the evidence is the builder's: only its own sales and its domains' usage.
    const checkouts: CheckoutRow[] = await this.dataSource.query(
      `SELECT id, domain, offering_id, mode, credits, amount_minor, currency, checkout_message, created_at, completed_at, payment_intent_id
         FROM checkout_sessions WHERE email = $1 AND status = 'completed' AND ($2::text IS NULL OR connected_account_id = $2)
         ORDER BY completed_at DESC LIMIT 100`,
      [dispute.email, dispute.connected_account_id],
    );
    if (dispute.connected_account_id !== null) {
      const own = new Set(await domainsOfAccount(this.dataSource, dispute.connected_account_id));
      history = history.filter((item) => item.domain !== null && own.has(item.domain));
    }
    const [brand]: { display_name: string; support_email: string }[] = await this.dataSource.query(
      'SELECT display_name, support_email FROM domains WHERE domain = $1',
      [dispute.domain],
    );
    return {
      disputeId: dispute.id,
      chargeId: dispute.charge_id,
      paymentIntentId: dispute.payment_intent_id,
      amountMinor: dispute.amount_minor,
      currency: dispute.currency,
      reason: dispute.reason,
      email: dispute.email,
      domain: dispute.domain,
      brand: brand ? { displayName: brand.display_name, supportEmail: brand.support_email } : undefined,
      checkouts: checkouts.map(toFact),
      history,
    };
  }

  private async mark(id: string, status: 'staged' | 'skipped', error: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE disputes SET evidence_status = $2, evidence_error = $3, evidence_attempts = evidence_attempts + 1 WHERE id = $1`,
      [id, status, error],
    );
  }
}

interface CheckoutRow {
  id: string;
  domain: string;
  offering_id: string;
  mode: 'payment' | 'subscription';
  credits: number;
  amount_minor: number;
  currency: string;
  checkout_message: string | null;
  created_at: Date;
  completed_at: Date | null;
  payment_intent_id: string | null;
}

function toFact(row: CheckoutRow): CheckoutFact {
  return {
    sessionId: row.id,
    domain: row.domain,
    offeringId: row.offering_id,
    mode: row.mode,
    credits: row.credits,
    amountMinor: row.amount_minor,
    currency: row.currency,
    checkoutMessage: row.checkout_message,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    paymentIntentId: row.payment_intent_id,
  };
}
