// Stripe Connect objects (account, account link, application, application fee, fee refund) with the
// field names and shapes of API 2026-10-28.endive as the pinned `stripe` package declares them. Money is
// an integer in minor units with a lower-case ISO currency; times are unix seconds on the simulated clock.
import type { StripeList } from './objects';

/** The platform's Connect `application` (`ca_…`). */
export interface Application {
  id: string;
  object: 'application';
  name: string | null;
}

/** `account.requirements` / `account.future_requirements`: what Stripe still needs from the account holder. */
export interface AccountRequirements {
  alternatives: [];
  current_deadline: number | null;
  currently_due: string[];
  disabled_reason: 'requirements.past_due' | 'requirements.pending_verification' | 'rejected.other' | null;
  errors: [];
  eventually_due: string[];
  past_due: string[];
  pending_verification: string[];
}

/** `account.controller`: who pays fees, owns losses and collects requirements (Stripe's model of account types). */
export interface AccountController {
  fees: { payer: 'account' | 'application' | 'application_custom' | 'application_express' };
  is_controller: boolean;
  losses: { payments: 'application' | 'stripe' };
  requirement_collection: 'application' | 'stripe';
  stripe_dashboard: { type: 'express' | 'full' | 'none' };
  type: 'account' | 'application';
}

/**
 * A connected `account` as the platform retrieves it. Standard accounts (`type: 'standard'`, or the
 * same through `controller` properties, then `type: 'none'`) have their own full Stripe Dashboard.
 * Until onboarding is complete `details_submitted`, `charges_enabled` and `payouts_enabled` are false
 * and `requirements.currently_due` lists what is missing.
 */
export interface Account {
  id: string;
  object: 'account';
  business_profile: {
    mcc: string | null;
    minority_owned_business_designation: null;
    name: string | null;
    product_description: string | null;
    specified_commercial_transactions_act_url: null;
    support_address: null;
    support_email: string | null;
    support_phone: string | null;
    support_url: string | null;
    url: string | null;
  };
  business_type: 'company' | 'individual' | 'non_profit' | 'government_entity' | null;
  capabilities: { card_payments?: 'active' | 'inactive' | 'pending'; transfers?: 'active' | 'inactive' | 'pending' };
  charges_enabled: boolean;
  controller: AccountController;
  country: string;
  created: number;
  default_currency: string;
  details_submitted: boolean;
  email: string | null;
  future_requirements: AccountRequirements;
  metadata: Record<string, string>;
  payouts_enabled: boolean;
  requirements: AccountRequirements;
  tos_acceptance: { date: number | null };
  type: 'standard' | 'express' | 'custom' | 'none';
}

/** An `account_link`: a single-use URL (valid 300 s) to the hosted onboarding page. It has no id. */
export interface AccountLink {
  object: 'account_link';
  created: number;
  expires_at: number;
  url: string;
}

/** A `fee_refund`: part or all of an application fee given back to the connected account. */
export interface FeeRefund {
  id: string;
  object: 'fee_refund';
  amount: number;
  balance_transaction: string;
  created: number;
  currency: string;
  /** The application fee (`fee_…`). */
  fee: string;
  metadata: Record<string, string>;
}

/**
 * An `application_fee`: what the platform took from a direct charge on a connected account
 * (`payment_intent_data.application_fee_amount`, or an invoice's share from `application_fee_percent`).
 */
export interface ApplicationFee {
  id: string;
  object: 'application_fee';
  /** The connected account the charge was made on. */
  account: string;
  amount: number;
  amount_refunded: number;
  application: string;
  balance_transaction: string;
  /** The charge on the connected account. */
  charge: string;
  created: number;
  currency: string;
  fee_source: { charge: string; type: 'charge' };
  livemode: false;
  /** Only set for destination charges; direct charges have none. */
  originating_transaction: null;
  refunded: boolean;
  refunds: StripeList<FeeRefund>;
}
