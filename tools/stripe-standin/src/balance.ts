// Balance transactions: how each charge, refund, application fee and fee refund moved the balance of
// the account it happened on (the connected account's for its charges and refunds, the platform's for
// application fees and fee refunds). Stripe's processing fees are not modelled: `fee` is the
// application fee taken from a connected account's charge, else 0, and `net` = `amount` − `fee`.
import type { EventContext } from './events';
import { noSuchObject } from './errors';
import { stripeId } from './objects';
import type { StandinState } from './state';

/** The kinds of balance movement the stand-in records. */
export type BalanceTransactionType = 'charge' | 'refund' | 'application_fee' | 'application_fee_refund';

/** One `fee_details` entry: the platform's application fee on a connected account's charge. */
export interface FeeDetail {
  amount: number;
  application: string | null;
  currency: string;
  description: string | null;
  type: 'application_fee';
}

/**
 * A `balance_transaction`: `amount` (minor units; negative for money leaving: refunds, fee refunds),
 * `fee`, `net` = amount − fee, `source` = the charge, refund, application fee or fee refund id.
 * Available at once (`status: 'available'`, `available_on` = `created`).
 */
export interface BalanceTransaction {
  id: string;
  object: 'balance_transaction';
  amount: number;
  available_on: number;
  balance_type: 'payments';
  created: number;
  currency: string;
  description: string | null;
  exchange_rate: null;
  fee: number;
  fee_details: FeeDetail[];
  net: number;
  reporting_category: 'charge' | 'refund' | 'platform_earning' | 'platform_earning_refund';
  source: string;
  status: 'available';
  type: BalanceTransactionType;
}

const REPORTING_CATEGORY: Readonly<Record<BalanceTransactionType, BalanceTransaction['reporting_category']>> = {
  charge: 'charge',
  refund: 'refund',
  application_fee: 'platform_earning',
  application_fee_refund: 'platform_earning_refund',
};

/** What a movement is: its kind, signed amount in minor units, currency, source id, and the application fee taken from it (charges). */
export interface BalanceMovement {
  type: BalanceTransactionType;
  amount: number;
  currency: string;
  source: string;
  description: string | null;
  applicationFee?: { amount: number; application: string } | null;
}

/** Records a balance transaction in `state` (the partition whose balance moved) and returns its id (`txn_…`). */
export function recordBalanceTransaction(app: EventContext, state: StandinState, movement: BalanceMovement): string {
  const now = app.clock.now();
  const fee = movement.applicationFee ?? null;
  const transaction: BalanceTransaction = {
    id: stripeId('txn_test_'),
    object: 'balance_transaction',
    amount: movement.amount,
    available_on: now,
    balance_type: 'payments',
    created: now,
    currency: movement.currency,
    description: movement.description,
    exchange_rate: null,
    fee: fee?.amount ?? 0,
    fee_details: fee === null ? [] : [{ amount: fee.amount, application: fee.application, currency: movement.currency, description: 'Application fee', type: 'application_fee' }],
    net: movement.amount - (fee?.amount ?? 0),
    reporting_category: REPORTING_CATEGORY[movement.type],
    source: movement.source,
    status: 'available',
    type: movement.type,
  };
  state.balanceTransactions.set(transaction.id, transaction);
  return transaction.id;
}

/** The balance transaction `id` of the partition's account; 404 `resource_missing`. */
export function findBalanceTransaction(state: StandinState, id: string): BalanceTransaction {
  const transaction = state.balanceTransactions.get(id);
  if (!transaction) throw noSuchObject('balance_transaction', id, 'id');
  return transaction;
}
