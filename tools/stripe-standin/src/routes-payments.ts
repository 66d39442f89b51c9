// Payment endpoints: payment intents, charges, refunds (idempotent, with Stripe's amount checks) and
// disputes. Events caused by API calls are queued for delivery after the response.
import { findBalanceTransaction } from './balance';
import { chargeOfPaymentIntent, checkRefundable, consumeRefundFailure, findCharge, refundCharge } from './charges';
import { findDispute, updateDispute } from './disputes';
import { invalidRequest, noSuchObject } from './errors';
import { deliverInBackground } from './events';
import type { FormObject } from './form';
import type { Reply } from './http-io';
import { json } from './http-io';
import { paginate, readCreatedFilter } from './list';
import type { Charge, Refund, RefundReason } from './payment-objects';
import { readBoolean, readEnum, readInt, readMetadata, readString, rejectUnknown } from './params';
import { eventRequest, expandable, expandObject, formBody, queryParams, readExpand } from './request';
import type { RequestContext, Route } from './router';

const ID = '([^/]+)';

/** Payment intents, charges, refunds and disputes. */
export const PAYMENT_ROUTES: readonly Route[] = [
  { method: 'GET', pattern: new RegExp(`^/v1/payment_intents/${ID}$`), auth: true, handle: retrievePaymentIntent },
  { method: 'GET', pattern: new RegExp(`^/v1/charges/${ID}$`), auth: true, handle: retrieveCharge },
  { method: 'POST', pattern: /^\/v1\/refunds$/, auth: true, idempotent: true, handle: createRefund },
  { method: 'GET', pattern: /^\/v1\/refunds$/, auth: true, handle: listRefunds },
  { method: 'GET', pattern: new RegExp(`^/v1/refunds/${ID}$`), auth: true, handle: retrieveRefund },
  { method: 'GET', pattern: /^\/v1\/balance_transactions$/, auth: true, handle: listBalanceTransactions },
  { method: 'GET', pattern: new RegExp(`^/v1/balance_transactions/${ID}$`), auth: true, handle: retrieveBalanceTransaction },
  { method: 'GET', pattern: /^\/v1\/disputes$/, auth: true, handle: listDisputes },
  { method: 'GET', pattern: new RegExp(`^/v1/disputes/${ID}$`), auth: true, handle: retrieveDispute },
  { method: 'POST', pattern: new RegExp(`^/v1/disputes/${ID}$`), auth: true, idempotent: true, handle: updateDisputeRoute },
];

function retrievePaymentIntent(context: RequestContext): Reply {
  const query = queryParams(context, ['client_secret', 'expand']);
  const paymentIntent = context.app.state.paymentIntents.get(context.params[0]);
  if (!paymentIntent) throw noSuchObject('payment_intent', context.params[0], 'intent');
  return json(200, expandObject(context.app.state, paymentIntent, readExpand(query, expandable('customer', 'latest_charge'), '')));
}

function retrieveCharge(context: RequestContext): Reply {
  const query = queryParams(context, ['expand']);
  const charge = findCharge(context.app.state, context.params[0]);
  return json(200, expandObject(context.app.state, charge, readExpand(query, expandable('balance_transaction', 'customer', 'payment_intent'), '')));
}

// ---- /v1/refunds --------------------------------------------------------------------------------

const REFUND_PARAMS: ReadonlySet<string> = new Set([
  'amount', 'charge', 'currency', 'customer', 'expand', 'instructions_email', 'metadata', 'origin', 'payment_intent', 'reason', 'refund_application_fee', 'reverse_transfer',
]);
const REFUND_REASONS: readonly RefundReason[] = ['duplicate', 'fraudulent', 'requested_by_customer'];
const REFUND_EXPANDABLE = expandable('balance_transaction', 'charge', 'payment_intent');

/**
 * `POST /v1/refunds` with `payment_intent` or `charge`, optional `amount` (minor units, default: what
 * is left), `reason`, `metadata`, `refund_application_fee` (a charge on a connected account: give the
 * platform's fee back in proportion, see `refundApplicationFee`). A failure armed by `/test/refunds/fail_next` answers 402 `card_error`.
 */
function createRefund(context: RequestContext): Reply {
  const params = formBody(context);
  rejectUnknown(params, REFUND_PARAMS);
  const expand = readExpand(params, REFUND_EXPANDABLE, '');
  const charge = refundTarget(context, params);
  const input = {
    charge,
    amount: readInt(params, 'amount', undefined, 1),
    reason: readEnum(params, 'reason', REFUND_REASONS) ?? null,
    metadata: readMetadata(params),
    refundApplicationFee: readBoolean(params, 'refund_application_fee') ?? false,
  };
  checkRefundable(context.app.state, charge, input.amount);
  consumeRefundFailure(context.app.state);
  let refund: Refund | undefined;
  deliverInBackground(context.app, () => {
    refund = refundCharge(context.app, input, eventRequest(context));
  });
  return json(200, expandObject(context.app.state, refund as Refund, expand));
}

function refundTarget(context: RequestContext, params: FormObject): Charge {
  const { state } = context.app;
  const chargeId = readString(params, 'charge');
  const paymentIntentId = readString(params, 'payment_intent');
  if (chargeId === undefined && paymentIntentId === undefined) {
    throw invalidRequest('One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing' });
  }
  const charge = chargeId !== undefined ? findCharge(state, chargeId, 'charge', 400) : chargeOfPaymentIntent(state, paymentIntentId as string);
  if (paymentIntentId !== undefined && charge.payment_intent !== paymentIntentId) {
    throw invalidRequest(`Charge ${charge.id} does not belong to PaymentIntent ${paymentIntentId}.`, { param: 'charge' });
  }
  return charge;
}

function retrieveRefund(context: RequestContext): Reply {
  const query = queryParams(context, ['expand']);
  const refund = context.app.state.refunds.get(context.params[0]);
  if (!refund) throw noSuchObject('refund', context.params[0], 'refund');
  return json(200, expandObject(context.app.state, refund, readExpand(query, REFUND_EXPANDABLE, '')));
}

function listRefunds(context: RequestContext): Reply {
  const query = queryParams(context, ['charge', 'created', 'ending_before', 'expand', 'limit', 'payment_intent', 'starting_after']);
  readExpand(query, REFUND_EXPANDABLE, 'data.');
  const created = readCreatedFilter(query);
  const charge = readString(query, 'charge');
  const paymentIntent = readString(query, 'payment_intent');
  const refunds = [...context.app.state.refunds.values()]
    .reverse()
    .filter((refund) => created(refund.created))
    .filter((refund) => charge === undefined || refund.charge === charge)
    .filter((refund) => paymentIntent === undefined || refund.payment_intent === paymentIntent);
  return json(200, paginate(refunds, query, '/v1/refunds', 'refund'));
}

// ---- /v1/balance_transactions -------------------------------------------------------------------

function retrieveBalanceTransaction(context: RequestContext): Reply {
  queryParams(context, ['expand']);
  return json(200, findBalanceTransaction(context.app.state, context.params[0]));
}

/** The caller's account's balance transactions, newest first: `type`, `source`, `currency`, `created`, `limit`, cursors. */
function listBalanceTransactions(context: RequestContext): Reply {
  const query = queryParams(context, ['created', 'currency', 'ending_before', 'expand', 'limit', 'payout', 'source', 'starting_after', 'type']);
  readExpand(query, new Set(), 'data.');
  const created = readCreatedFilter(query);
  const type = readString(query, 'type');
  const source = readString(query, 'source');
  const currency = readString(query, 'currency')?.toLowerCase();
  const transactions = [...context.app.state.balanceTransactions.values()]
    .reverse()
    .filter((transaction) => created(transaction.created))
    .filter((transaction) => type === undefined || transaction.type === type)
    .filter((transaction) => source === undefined || transaction.source === source)
    .filter((transaction) => currency === undefined || transaction.currency === currency);
  return json(200, paginate(transactions, query, '/v1/balance_transactions', 'balance_transaction'));
}

// ---- /v1/disputes -------------------------------------------------------------------------------

const DISPUTE_EXPANDABLE = expandable('charge', 'payment_intent');

function retrieveDispute(context: RequestContext): Reply {
  const query = queryParams(context, ['expand']);
  const dispute = findDispute(context.app.state, context.params[0]);
  return json(200, expandObject(context.app.state, dispute, readExpand(query, DISPUTE_EXPANDABLE, '')));
}

function listDisputes(context: RequestContext): Reply {
  const query = queryParams(context, ['charge', 'created', 'ending_before', 'expand', 'limit', 'payment_intent', 'starting_after']);
  readExpand(query, DISPUTE_EXPANDABLE, 'data.');
  const created = readCreatedFilter(query);
  const charge = readString(query, 'charge');
  const paymentIntent = readString(query, 'payment_intent');
  const disputes = [...context.app.state.disputes.values()]
    .reverse()
    .filter((dispute) => created(dispute.created))
    .filter((dispute) => charge === undefined || dispute.charge === charge)
    .filter((dispute) => paymentIntent === undefined || dispute.payment_intent === paymentIntent);
  return json(200, paginate(disputes, query, '/v1/disputes', 'dispute'));
}

/** `POST /v1/disputes/:id`: evidence (staged with `submit=false`, submitted by default) and metadata. */
function updateDisputeRoute(context: RequestContext): Reply {
  const params = formBody(context);
  const expand = readExpand(params, DISPUTE_EXPANDABLE, '');
  const dispute = findDispute(context.app.state, context.params[0]);
  deliverInBackground(context.app, () => updateDispute(context.app, dispute, params, eventRequest(context)));
  return json(200, expandObject(context.app.state, dispute, expand));
}
