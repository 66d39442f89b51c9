import { Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { EntityManager } from 'typeorm';
import { BillingEventSubjects, ChargeRefundedExternallyV1 } from '@credit-hub/contracts';
import { OutboxMessage, writeOutbox } from '@credit-hub/messaging';
import { InjectStripe } from '../stripe/stripe.client';
import { ChargeFacts, isoOf, readCharge, readId, readRefund, RefundFacts } from '../stripe/stripe-objects';
import { chargeOwnerOn } from './charge-owner';
import { onAccount } from '../stripe/stripe-account';
import { Outcome, StripeEventHandler } from './stripe-event-handler';
import { VerifiedStripeEvent } from './webhook-verification';

/** Refunds read per charge (Stripe lists 100 a page); a charge is refunded a handful of times at most. */
const refundsPerChargeMax = 1000;
/** Refund statuses that took money back (or will: `pending`); `failed` and `canceled` did not. */
const effective: ReadonlySet<string> = new Set(['succeeded', 'pending']);

/**
 * `charge.refunded`: every refund of the charge (re-fetched from Stripe, not trusted from the
 * event: one event may stand for several refunds, and events arrive out of order) is recorded
 * once by its id in `charge_refunds`. Refunds this system started carry
 * `metadata.refundRequestId` (the refunds saga already removed their credits): recorded as ours,
 * never published. Others were made outside (Stripe's dashboard): `charge-refunded-externally.v1`
 * with the payment intent, so the ledger removes that refund's share of the purchase's unused credits.
 * Connect: a `charge.refunded` of a connected account is read on that account (`Stripe-Account`)
 * and may adjust only a sale made on it (refunds made in the builder's own dashboard).
 */
@Injectable()
export class ChargeRefundedHandler implements StripeEventHandler {
  private readonly logger = new Logger('ChargeRefunded');
  readonly types = ['charge.refunded'] as const;

  constructor(@InjectStripe() private readonly stripe: Stripe) {}

  async handle(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const chargeId = readId(event.data.object);
    if (chargeId === null) return 'ignored';
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`charge:${chargeId}`]);
    const charge = readCharge((await this.stripe.charges.retrieve(chargeId, {}, onAccount(event.account))) as unknown);
    if (!charge) return 'ignored';
    const refunds = (await this.stripe.refunds.list({ charge: chargeId, limit: 100 }, onAccount(event.account)).autoPagingToArray({ limit: refundsPerChargeMax }))
      .map((refund) => readRefund(refund as unknown))
      .filter((refund): refund is RefundFacts => refund !== undefined && effective.has(refund.status));
    const known: { refund_id: string }[] = await manager.query('SELECT refund_id FROM charge_refunds WHERE charge_id = $1', [chargeId]);
    const recorded = new Set(known.map((row) => row.refund_id));
    const fresh = refunds.filter((refund) => !recorded.has(refund.id));
    const messages: OutboxMessage[] = [];
    for (const refund of fresh) await this.record(manager, event, charge, refund, messages);
    await writeOutbox(manager, messages);
    return 'processed';
  }

  private async record(manager: EntityManager, event: VerifiedStripeEvent, charge: ChargeFacts, refund: RefundFacts, messages: OutboxMessage[]): Promise<void> {
    const origin = refund.refundRequestId === null ? 'external' : 'ours';
    await manager.query(
      `INSERT INTO charge_refunds (refund_id, charge_id, payment_intent_id, amount_minor, currency, origin, refund_request_id, stripe_event_id, connected_account_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [refund.id, charge.id, charge.paymentIntentId, refund.amount, refund.currency, origin, refund.refundRequestId, event.id, event.account ?? null],
    );
    if (origin === 'ours') return;
    const owner = await chargeOwnerOn(manager, charge, event.account);
    if (!owner || charge.paymentIntentId === null) {
      this.logger.warn(`refund ${refund.id} of ${charge.id} made outside billing: no purchase of billing's to adjust`);
      return;
    }
    const payload: ChargeRefundedExternallyV1 = {
      refundId: refund.id, chargeId: charge.id, paymentIntentId: charge.paymentIntentId, email: owner.email,
      amountRefundedMinor: refund.amount, currency: refund.currency, at: isoOf(event.created),
    };
    this.logger.log(`refund ${refund.id} of ${refund.amount} ${refund.currency} on ${charge.id} was made outside billing: the ledger removes its share`);
    messages.push({ messageId: `${event.id}:${refund.id}`, subject: BillingEventSubjects.chargeRefundedExternally, payload });
  }
}
