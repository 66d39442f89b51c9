/**
 * Decisions of the credit account: pure functions from a command and the current state to the
 * events to append, or a named refusal (TigerBeetle style: a closed list, checked in a fixed
 * order). Asking for what is already true returns no new events (Equinox: idempotent decisions).
 */
import { LedgerEvent, PaymentSucceededV1 } from '@credit-hub/contracts';
import { consumptionKey, CreditAccount } from './credit-account.state';
import { planDraws, spendableCredits } from './lot-order';

/** Consume command as the domain sees it: positive credits, the time comes in the command. */
export interface ConsumeCredits {
  email: string;
  domain: string;
  credits: number;
  actionType: string;
  referenceId: string;
  /** ISO-8601 time of the decision (lot expiry is judged against it). */
  now: string;
}

/** Refusals of a consume, in the order they are checked. */
export const consumeRejections = ['reference_conflict', 'insufficient_credits'] as const;
export type ConsumeRejection = (typeof consumeRejections)[number];

/** Outcome of a decision. `repeated` carries the first answer to an identical earlier request. */
export type ConsumeDecision =
  | { outcome: 'accepted'; events: LedgerEvent[] }
  | { outcome: 'repeated'; eventId: string; balance: number }
  | { outcome: 'rejected'; code: ConsumeRejection };

/**
 * Decides a consumption. The state must hold the consumption record of
 * `(command.domain, command.referenceId)` if one exists anywhere in the ledger (the key is global
 * per domain, not per account), so a reference reused by another customer is a conflict.
 * After the refusal checks the consumption must succeed: the draw plan covers exactly `credits`.
 */
export function decideConsume(command: ConsumeCredits, account: CreditAccount): ConsumeDecision {
  const earlier = account.consumptions.get(consumptionKey(command.domain, command.referenceId));
  if (earlier) {
    const identical =
      earlier.email === command.email && earlier.credits === command.credits && earlier.actionType === command.actionType;
    if (!identical) return { outcome: 'rejected', code: 'reference_conflict' };
    return { outcome: 'repeated', eventId: earlier.eventId, balance: earlier.balanceAfter };
  }
  if (spendableCredits(account.lots, command.domain, command.now) < command.credits) {
    return { outcome: 'rejected', code: 'insufficient_credits' };
  }
  const draws = planDraws(account.lots, command.credits, command.domain, command.now);
  if (draws === null) throw new Error('draw plan failed after the spendable check: lot order is inconsistent');
  return {
    outcome: 'accepted',
    events: [
      {
        type: 'CreditsConsumed',
        data: {
          email: command.email,
          domain: command.domain,
          credits: command.credits,
          actionType: command.actionType,
          referenceId: command.referenceId,
          draws,
          balanceAfter: account.balance - command.credits,
          consumedAt: command.now,
        },
      },
    ],
  };
}

/** Purchase command: a paid checkout from billing, with the time of the decision. */
export interface PurchaseCredits {
  payment: PaymentSucceededV1;
  now: string;
}

/** The lot id of a purchase: derived from the checkout session, so it is the same on every replay. */
export function purchaseLotId(checkoutSessionId: string): string {
  return `lot_${checkoutSessionId}`;
}

/**
 * Decides a purchase: one `CreditsPurchased` creating a paid lot, or no events when this checkout
 * session was already credited (a webhook delivered twice, or two Stripe events for one session).
 */
export function decidePurchase(command: PurchaseCredits, account: CreditAccount): LedgerEvent[] {
  const payment = command.payment;
  if (account.purchasedCheckoutSessions.has(payment.checkoutSessionId)) return [];
  return [
    {
      type: 'CreditsPurchased',
      data: {
        lotId: purchaseLotId(payment.checkoutSessionId),
        email: payment.email,
        domain: payment.domain,
        offeringId: payment.offeringId,
        credits: payment.credits,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        stripeEventId: payment.stripeEventId,
        checkoutSessionId: payment.checkoutSessionId,
        paymentIntentId: payment.paymentIntentId,
        scopeDomain: payment.scopeDomain,
        expiresAt: null,
        purchasedAt: payment.paidAt,
      },
    },
  ];
}
