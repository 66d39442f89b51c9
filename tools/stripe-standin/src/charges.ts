// Card payments: a succeeded payment intent with its charge (Checkout payment mode, invoice payments)
// and refunds of a charge, full or partial, from the API or "the dashboard".
import { formatAmount } from './checkout-page';
import { cardError, invalidRequest, noSuchObject } from './errors';
import type { EventContext, EventRequest } from './events';
import { changedAttributes, emitEvent } from './events';
import { recordBalanceTransaction } from './balance';
import { collectApplicationFee, refundApplicationFee } from './connect';
import type { PaymentIntent } from './objects';
import { stripeId } from './objects';
import type { Charge, Refund, RefundReason } from './payment-objects';
import type { StandinState } from './state';

/** A successful card payment to record: amount in minor units with its lower-case currency. */
export interface PaymentInput {
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  /** Copied onto the payment intent and its charge. */
  metadata: Record<string, string>;
  receiptEmail: string | null;
  /** The card (`pm_…`); a fresh id when the payer has none on file. */
  paymentMethod: string | null;
  /**
   * Application fee (minor units) of a direct charge on a connected account; null = none. Makes an
   * `application_fee` on the platform (`application_fee.created`).
   */
  applicationFeeAmount?: number | null;
}

/**
 * Records a succeeded payment intent and its charge (`latest_charge`), both `created` now. No events,
 * except `application_fee.created` (a platform event) when the payment carries an application fee.
 */
export function recordPayment(app: EventContext, input: PaymentInput): { paymentIntent: PaymentIntent; charge: Charge } {
  const now = app.clock.now();
  const feeAmount = input.applicationFeeAmount ?? null;
  const application = feeAmount === null ? null : app.state.connect.application.id;
  const paymentMethod = input.paymentMethod ?? stripeId('pm_');
  const id = stripeId('pi_test_');
  const paymentIntent: PaymentIntent = {
    id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    amount_received: input.amount,
    application,
    application_fee_amount: feeAmount,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: `${id}_secret_${stripeId('', 24)}`,
    confirmation_method: 'automatic',
    created: now,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    description: input.description,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: { ...input.metadata },
    next_action: null,
    on_behalf_of: null,
    payment_method: paymentMethod,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_group: null,
  };
  const charge = buildCharge(input, paymentIntent.id, paymentMethod, now);
  paymentIntent.latest_charge = charge.id;
  app.state.paymentIntents.set(paymentIntent.id, paymentIntent);
  app.state.charges.set(charge.id, charge);
  if (feeAmount !== null) {
    const fee = collectApplicationFee(app, charge, feeAmount);
    Object.assign(charge, { application, application_fee: fee.id, application_fee_amount: feeAmount });
  }
  charge.balance_transaction = recordBalanceTransaction(app, app.state, {
    type: 'charge',
    amount: charge.amount,
    currency: charge.currency,
    source: charge.id,
    description: charge.description,
    applicationFee: feeAmount === null || application === null ? null : { amount: feeAmount, application },
  });
  return { paymentIntent, charge };
}

function buildCharge(input: PaymentInput, paymentIntent: string, paymentMethod: string, now: number): Charge {
  const id = stripeId('ch_test_');
  return {
    id,
    object: 'charge',
    amount: input.amount,
    amount_captured: input.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: stripeId('txn_test_'),
    billing_details: { address: null, email: input.receiptEmail, name: null, phone: null, tax_id: null },
    calculated_statement_descriptor: 'STRIPE STAND-IN',
    captured: true,
    created: now,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: { ...input.metadata },
    on_behalf_of: null,
    outcome: {
      advice_code: null, network_advice_code: null, network_decline_code: null, network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized',
    },
    paid: true,
    payment_intent: paymentIntent,
    payment_method: paymentMethod,
    payment_method_details: {
      type: 'card',
      card: {
        amount_authorized: input.amount, authorization_code: null, brand: 'visa', checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' }, country: 'US',
        electronic_commerce_indicator: null, exp_month: 12, exp_year: 2034, funding: 'credit', installments: null, last4: '4242', mandate: null, network: 'visa',
        network_transaction_id: null, regulated_status: 'unregulated', three_d_secure: null, transaction_link_id: null, wallet: null,
      },
    },
    receipt_email: input.receiptEmail,
    receipt_number: null,
    receipt_url: `https://pay.stripe.com/receipts/standin/${id}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}

/** The charge `id`; 404 `resource_missing` (400 when it came from a param). */
export function findCharge(state: StandinState, id: string, param = 'charge', status: 404 | 400 = 404): Charge {
  const charge = state.charges.get(id);
  if (!charge) throw noSuchObject('charge', id, param, status);
  return charge;
}

/** The charge of a payment intent (`latest_charge`), for `payment_intent=` params. */
export function chargeOfPaymentIntent(state: StandinState, paymentIntentId: string): Charge {
  const paymentIntent = state.paymentIntents.get(paymentIntentId);
  if (!paymentIntent) throw noSuchObject('payment_intent', paymentIntentId, 'payment_intent', 400);
  if (paymentIntent.latest_charge === null) throw invalidRequest(`PaymentIntent ${paymentIntentId} has no charge to refund.`, { param: 'payment_intent' });
  return findCharge(state, paymentIntent.latest_charge, 'payment_intent', 400);
}

/** What to refund: `amount` (minor units) defaults to what is left on the charge. */
export interface RefundInput {
  charge: Charge;
  amount?: number;
  reason: RefundReason | null;
  metadata: Record<string, string>;
  /**
   * `refund_application_fee`: give back the application fee in proportion to the refund (all of what
   * is left of it when the charge ends fully refunded). Default false, as in Stripe.
   */
  refundApplicationFee?: boolean;
}

/**
 * Refunds part or all of a charge (status `succeeded` at once): updates `amount_refunded` /
 * `refunded` and stores `charge.refunded` (the charge, with `previous_attributes`) then `refund.created`.
 * 400s as Stripe: `charge_already_refunded`, `amount_too_large`, `charge_disputed`.
 */
export function refundCharge(app: EventContext, input: RefundInput, request?: EventRequest): Refund {
  const { charge } = input;
  const amount = checkRefundable(app.state, charge, input.amount);
  const refund: Refund = {
    id: stripeId('re_test_'),
    object: 'refund',
    amount,
    balance_transaction: stripeId('txn_test_'),
    charge: charge.id,
    created: app.clock.now(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: { type: 'card', card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' } },
    metadata: input.metadata,
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  refund.balance_transaction = recordBalanceTransaction(app, app.state, { type: 'refund', amount: -amount, currency: charge.currency, source: refund.id, description: null });
  app.state.refunds.set(refund.id, refund);
  const before = structuredClone(charge);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded === charge.amount;
  emitEvent(app, 'charge.refunded', charge, changedAttributes(before, charge), request);
  emitEvent(app, 'refund.created', refund, undefined, request);
  if (input.refundApplicationFee && charge.application_fee !== null) refundApplicationFee(app, charge, amount);
  return refund;
}

/** The amount a refund of `requested` (default: all that is left) would return; 400 as Stripe when it cannot. */
export function checkRefundable(state: StandinState, charge: Charge, requested: number | undefined): number {
  const openDispute = [...state.disputes.values()].some((dispute) => dispute.charge === charge.id && dispute.status !== 'won');
  if (openDispute) throw invalidRequest(`Charge ${charge.id} has been charged back; cannot issue a refund.`, { code: 'charge_disputed' });
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
  const amount = requested ?? remaining;
  if (amount > remaining) {
    const what = charge.amount_refunded === 0 ? 'charge amount' : 'unrefunded amount on charge';
    throw invalidRequest(`Refund amount (${formatAmount(amount, charge.currency)}) is greater than ${what} (${formatAmount(remaining, charge.currency)})`, {
      code: 'amount_too_large',
      param: 'amount',
    });
  }
  return amount;
}

/** Fails the call with the armed `/test/refunds/fail_next` card error, once. */
export function consumeRefundFailure(state: StandinState): void {
  const code = state.controls.failNextRefund;
  if (code === null) return;
  state.controls.failNextRefund = null;
  throw cardError(code);
}
