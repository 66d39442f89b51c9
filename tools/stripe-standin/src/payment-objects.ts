// Payment objects (charge, refund, dispute) with the real API's field names and shapes: money in
// integer minor units + lower-case ISO currency, times in unix seconds on the simulated clock.

/** A succeeded card `charge` (the test card 4242, always Visa). */
export interface Charge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  /** The platform's Connect application (`ca_…`) on a direct charge with an application fee; else null. */
  application: string | null;
  /** The `application_fee` (`fee_…`) the platform took from this charge; else null. */
  application_fee: string | null;
  application_fee_amount: number | null;
  balance_transaction: string;
  billing_details: { address: null; email: string | null; name: string | null; phone: null; tax_id: null };
  calculated_statement_descriptor: string;
  captured: true;
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  disputed: boolean;
  failure_balance_transaction: null;
  failure_code: null;
  failure_message: null;
  fraud_details: Record<string, never>;
  livemode: false;
  metadata: Record<string, string>;
  on_behalf_of: null;
  outcome: {
    advice_code: null; network_advice_code: null; network_decline_code: null;
    network_status: 'approved_by_network'; reason: null; risk_level: 'normal'; seller_message: string; type: 'authorized';
  };
  paid: true;
  payment_intent: string;
  payment_method: string;
  payment_method_details: {
    type: 'card';
    card: {
      amount_authorized: number; authorization_code: null; brand: 'visa'; checks: { address_line1_check: null; address_postal_code_check: null; cvc_check: 'pass' };
      country: 'US'; electronic_commerce_indicator: null; exp_month: number; exp_year: number; funding: 'credit'; installments: null; last4: '4242';
      mandate: null; network: 'visa'; network_transaction_id: null; regulated_status: 'unregulated'; three_d_secure: null; transaction_link_id: null; wallet: null;
    };
  };
  receipt_email: string | null;
  receipt_number: null;
  receipt_url: string;
  refunded: boolean;
  review: null;
  shipping: null;
  source: null;
  source_transfer: null;
  statement_descriptor: null;
  statement_descriptor_suffix: null;
  status: 'succeeded';
  transfer_data: null;
  transfer_group: null;
}

/** Reasons accepted by `POST /v1/refunds`. */
export type RefundReason = 'duplicate' | 'fraudulent' | 'requested_by_customer';

/** A `refund` (always `succeeded` at once, as card refunds in test mode are). */
export interface Refund {
  id: string;
  object: 'refund';
  amount: number;
  balance_transaction: string;
  charge: string;
  created: number;
  currency: string;
  customer: string | null;
  customer_account: null;
  destination_details: { type: 'card'; card: { reference_status: 'pending'; reference_type: 'acquirer_reference_number'; type: 'refund' } };
  metadata: Record<string, string>;
  payment_intent: string;
  payment_method: string;
  reason: RefundReason | null;
  receipt_number: null;
  source_transfer_reversal: null;
  status: 'succeeded';
  transfer_reversal: null;
}

/** The evidence fields of a dispute (text, or file ids for the document fields); null when not given. */
export const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
] as const;

/** One evidence field name. */
export type EvidenceField = (typeof EVIDENCE_FIELDS)[number];

/** `dispute.evidence`: every field of `EVIDENCE_FIELDS` plus `enhanced_evidence`. */
export type DisputeEvidence = Record<EvidenceField, string | null> & { enhanced_evidence: Record<string, never> };

/** Dispute statuses the stand-in produces. */
export type DisputeStatus = 'needs_response' | 'under_review' | 'won' | 'lost';

/** A card `dispute` (chargeback) on a charge. */
export interface Dispute {
  id: string;
  object: 'dispute';
  amount: number;
  balance_transactions: [];
  charge: string;
  created: number;
  currency: string;
  enhanced_eligibility_types: [];
  evidence: DisputeEvidence;
  evidence_details: {
    due_by: number;
    enhanced_eligibility: Record<string, never>;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
    /** `not_submitted` until evidence is submitted; `manual` once submitted through the API or Dashboard. */
    submission_method: 'manual' | 'not_submitted';
  };
  intended_submission_method: null;
  is_charge_refundable: boolean;
  livemode: false;
  metadata: Record<string, string>;
  payment_intent: string;
  payment_method_details: { type: 'card'; card: { brand: 'visa'; case_type: 'chargeback'; network: 'visa'; network_reason_code: string } };
  reason: string;
  status: DisputeStatus;
}
