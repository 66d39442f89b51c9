import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { BillingEventSubjects, DisputeClosedV1, DisputeOpenedV1 } from '@credit-hub/contracts';
import { OutboxMessage, writeOutbox } from '@credit-hub/messaging';
import { InjectStripe } from '../stripe/stripe.client';
import { disputeOutcome, DisputeFacts, isoOf, readCharge, readDispute, readId } from '../stripe/stripe-objects';
import { chargeOwnerOn, ChargeOwner } from './charge-owner';
import { sameAccount } from '../connect';
import { accountLabel, onAccount } from '../stripe/stripe-account';
import { Outcome, StripeEventHandler } from './stripe-event-handler';
import { VerifiedStripeEvent } from './webhook-verification';

interface DisputeRow {
  id: string;
  email: string;
  domain: string;
  opened_published: boolean;
  outcome: 'won' | 'lost' | null;
  connected_account_id: string | null;
}

/** Dispute statuses in which Stripe still takes evidence. */
const takesEvidence: ReadonlySet<string> = new Set(['needs_response', 'warning_needs_response']);

/**
 * Disputes (seed 002): `charge.dispute.created` / `updated` / `closed`. The dispute is re-fetched
 * from Stripe under a per-dispute lock; billing records it once (with the customer and domain of
 * the disputed charge) and publishes, forward only:
 * - `dispute-opened.v1` once (the ledger freezes the account), and queues the evidence draft;
 * - `dispute-closed.v1` once when Stripe says won or lost (won: unfrozen; lost: the purchase
 *   paid by `paymentIntentId` is clawed back, then unfrozen). A closed dispute whose opening was
 *   never seen publishes both, opened first, so the ledger's trail stays whole.
 * Connect: disputes on direct charges belong to the builder's account; they are read there
 * (`Stripe-Account`), recorded with the account (the evidence is written there too) and may only
 * concern a sale made on that account.
 */
@Injectable()
export class DisputeEventsHandler implements StripeEventHandler {
  private readonly logger = new Logger('DisputeEvents');
  readonly types = ['charge.dispute.created', 'charge.dispute.updated', 'charge.dispute.closed'] as const;

  constructor(@InjectStripe() private readonly stripe: Stripe) {}

  async handle(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const id = readId(event.data.object);
    if (id === null) return 'ignored';
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`dispute:${id}`]);
    const dispute = await this.fetch(id, event.data.object, event.account);
    if (!dispute) return 'ignored';
    const [row]: DisputeRow[] = await manager.query(
      'SELECT id, email, domain, opened_published, outcome, connected_account_id FROM disputes WHERE id = $1 FOR UPDATE',
      [id],
    );
    if (row && !sameAccount(row.connected_account_id, event.account)) {
      this.logger.warn(`${event.id}: dispute ${id} is on ${accountLabel(row.connected_account_id)}, the event comes from ${accountLabel(event.account)}; refused`);
      return 'ignored';
    }
    const owner = row ?? (await this.owner(manager, dispute, event.account));
    if (!owner) {
      this.logger.warn(`dispute ${id} on ${dispute.chargeId}: no customer of billing paid that charge; ignored`);
      return 'ignored';
    }
    if (!row) await insertDispute(manager, dispute, owner, event.account ?? null);
    const messages: OutboxMessage[] = [];
    const outcome = disputeOutcome(dispute.status);
    if (!row?.opened_published) messages.push(openedMessage(event, dispute, owner));
    if (outcome !== null && !row?.outcome) messages.push(closedMessage(event, dispute, owner, outcome));
    await manager.query(
      `UPDATE disputes SET status = $2, opened_published = true, last_event_created = GREATEST(last_event_created, $3::bigint),
         outcome = COALESCE(outcome, $4::text),
         closed_at = CASE WHEN outcome IS NULL AND $4::text IS NOT NULL THEN to_timestamp($3::bigint) ELSE closed_at END,
         evidence_status = CASE WHEN evidence_status = 'pending' AND $4::text IS NOT NULL THEN 'skipped' ELSE evidence_status END
       WHERE id = $1`,
      [id, dispute.status, event.created, outcome],
    );
    await writeOutbox(manager, messages);
    return 'processed';
  }

  private async owner(manager: EntityManager, dispute: DisputeFacts, account: string | undefined): Promise<ChargeOwner | undefined> {
    const charge = readCharge((await this.stripe.charges.retrieve(dispute.chargeId, {}, onAccount(account))) as unknown);
    return charge ? chargeOwnerOn(manager, charge, account) : undefined;
  }

  /** The dispute as Stripe has it now (the event's copy only if Stripe lost it). */
  private async fetch(id: string, eventObject: unknown, account: string | undefined): Promise<DisputeFacts | undefined> {
    try {
      return readDispute((await this.stripe.disputes.retrieve(id, {}, onAccount(account))) as unknown);
    } catch (error) {
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.code !== 'resource_missing') throw error;
      return readDispute(eventObject);
    }
  }
}

async function insertDispute(manager: EntityManager, dispute: DisputeFacts, owner: ChargeOwner, account: string | null): Promise<void> {
  const evidence = takesEvidence.has(dispute.status) ? 'pending' : 'skipped';
  await manager.query(
    `INSERT INTO disputes (id, charge_id, payment_intent_id, email, domain, amount_minor, currency, reason, status, stripe_created, evidence_status, connected_account_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10), $11, $12)`,
    [dispute.id, dispute.chargeId, dispute.paymentIntentId, owner.email, owner.domain, dispute.amount, dispute.currency, dispute.reason, dispute.status, dispute.created, evidence, account],
  );
}

function openedMessage(event: VerifiedStripeEvent, dispute: DisputeFacts, owner: ChargeOwner): OutboxMessage {
  const payload: DisputeOpenedV1 = {
    disputeId: dispute.id, chargeId: dispute.chargeId, paymentIntentId: dispute.paymentIntentId, email: owner.email, domain: owner.domain,
    amountMinor: dispute.amount, currency: dispute.currency, reason: dispute.reason, at: isoOf(dispute.created),
  };
  return { messageId: `${event.id}:dispute-opened`, subject: BillingEventSubjects.disputeOpened, payload };
}

function closedMessage(event: VerifiedStripeEvent, dispute: DisputeFacts, owner: ChargeOwner, outcome: 'won' | 'lost'): OutboxMessage {
  const payload: DisputeClosedV1 = {
    disputeId: dispute.id, chargeId: dispute.chargeId, paymentIntentId: dispute.paymentIntentId, email: owner.email, domain: owner.domain,
    outcome, at: isoOf(event.created),
  };
  return { messageId: `${event.id}:dispute-closed`, subject: BillingEventSubjects.disputeClosed, payload };
}
