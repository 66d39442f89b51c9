// Disputes (chargebacks): opened on a charge by a /test helper, evidence staged or submitted through
// `POST /v1/disputes/:id`, closed won or lost by another helper.
import { DAY_SECONDS } from './clock';
import { invalidRequest, noSuchObject } from './errors';
import type { EventContext, EventRequest } from './events';
import { applyUpdate, emitEvent } from './events';
import type { FormObject } from './form';
import { stripeId } from './objects';
import { mergeMetadata, readBoolean, readObject, readString, rejectUnknown } from './params';
import type { Charge, Dispute, DisputeEvidence } from './payment-objects';
import { EVIDENCE_FIELDS } from './payment-objects';
import type { StandinState } from './state';

/** Dispute reasons Stripe reports. */
export const DISPUTE_REASONS = [
  'bank_cannot_process', 'check_returned', 'credit_not_processed', 'customer_initiated', 'debit_not_authorized',
  'duplicate', 'fraudulent', 'general', 'incorrect_account_details', 'insufficient_funds', 'product_not_received',
  'product_unacceptable', 'subscription_canceled', 'unrecognized',
] as const;

/** Days the merchant has to respond (Stripe: usually 7 to 21; the seeds plan for 7). */
const RESPONSE_DAYS = 7;
/** Stripe's limit on the combined length of the text evidence fields. */
const MAX_EVIDENCE_CHARS = 150_000;
const NETWORK_REASON_CODES: Readonly<Record<string, string>> = { fraudulent: '10.4', product_not_received: '13.1', duplicate: '12.6.1', subscription_canceled: '13.2' };

/** What the dispute helper opens: `amount` defaults to the whole charge, `reason` to `fraudulent`. */
export interface DisputeInput {
  reason?: string;
  amount?: number;
}

/** Opens a `needs_response` dispute on `charge` (`charge.disputed` becomes true) and stores `charge.dispute.created`. */
export function openDispute(app: EventContext, charge: Charge, input: DisputeInput): Dispute {
  if ([...app.state.disputes.values()].some((dispute) => dispute.charge === charge.id)) {
    throw invalidRequest(`Charge ${charge.id} already has a dispute.`, { code: 'charge_disputed' });
  }
  const amount = input.amount ?? charge.amount;
  if (amount > charge.amount) throw invalidRequest(`Dispute amount ${amount} is greater than the charge amount ${charge.amount}.`, { param: 'amount' });
  const reason = input.reason ?? 'fraudulent';
  const created = app.clock.now();
  const dispute: Dispute = {
    id: stripeId('du_test_'),
    object: 'dispute',
    amount,
    balance_transactions: [],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: emptyEvidence(),
    evidence_details: { due_by: endOfDay(created + RESPONSE_DAYS * DAY_SECONDS), enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0, submission_method: 'not_submitted' },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: { type: 'card', card: { brand: 'visa', case_type: 'chargeback', network: 'visa', network_reason_code: NETWORK_REASON_CODES[reason] ?? '10.4' } },
    reason,
    status: 'needs_response',
  };
  app.state.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  emitEvent(app, 'charge.dispute.created', dispute);
  return dispute;
}

function emptyEvidence(): DisputeEvidence {
  const fields = Object.fromEntries(EVIDENCE_FIELDS.map((field) => [field, null])) as Record<(typeof EVIDENCE_FIELDS)[number], null>;
  return { ...fields, enhanced_evidence: {} };
}

function endOfDay(time: number): number {
  return Math.floor(time / DAY_SECONDS) * DAY_SECONDS + DAY_SECONDS - 1;
}

/** The dispute `id`; 404 `resource_missing`. */
export function findDispute(state: StandinState, id: string): Dispute {
  const dispute = state.disputes.get(id);
  if (!dispute) throw noSuchObject('dispute', id, 'dispute');
  return dispute;
}

const UPDATE_PARAMS: ReadonlySet<string> = new Set(['evidence', 'expand', 'intended_submission_method', 'metadata', 'submit']);
const EVIDENCE_PARAMS: ReadonlySet<string> = new Set([...EVIDENCE_FIELDS, 'enhanced_evidence']);

/**
 * `POST /v1/disputes/:id`: sets the evidence fields sent (others are kept) and merges metadata.
 * `submit` defaults to true, as in Stripe: the dispute goes `under_review` and `submission_count` + 1;
 * `submit=false` stages the evidence (status and count unchanged). Stores `charge.dispute.updated`.
 */
export function updateDispute(app: EventContext, dispute: Dispute, params: FormObject, request: EventRequest): Dispute {
  rejectUnknown(params, UPDATE_PARAMS);
  const evidence = readEvidence(params);
  const submit = readBoolean(params, 'submit') ?? true;
  const changesEvidence = evidence !== undefined || params.submit !== undefined;
  if (changesEvidence && dispute.status !== 'needs_response') {
    throw invalidRequest(`This dispute is ${dispute.status} and its evidence can no longer be updated.`, { param: evidence ? 'evidence' : 'submit' });
  }
  applyUpdate(app, 'charge.dispute.updated', dispute, (target) => {
    target.metadata = mergeMetadata(target.metadata, params);
    if (!changesEvidence) return;
    Object.assign(target.evidence, evidence ?? {});
    target.evidence_details = { ...target.evidence_details, has_evidence: hasEvidence(target.evidence) };
    if (submit) submitEvidence(target);
  }, request);
  return dispute;
}

function submitEvidence(dispute: Dispute): void {
  dispute.status = 'under_review';
  dispute.evidence_details = { ...dispute.evidence_details, submission_count: dispute.evidence_details.submission_count + 1, submission_method: 'manual' };
}

function readEvidence(params: FormObject): Partial<Record<(typeof EVIDENCE_FIELDS)[number], string | null>> | undefined {
  const raw = readObject(params, 'evidence');
  if (raw === undefined) return undefined;
  rejectUnknown(raw, EVIDENCE_PARAMS, 'evidence');
  const evidence: Partial<Record<(typeof EVIDENCE_FIELDS)[number], string | null>> = {};
  for (const field of EVIDENCE_FIELDS) {
    if (raw[field] !== undefined) evidence[field] = readString(raw, field, 'evidence') ?? null;
  }
  const textLength = Object.values(evidence).reduce((sum, value) => sum + (value?.length ?? 0), 0);
  if (textLength > MAX_EVIDENCE_CHARS) throw invalidRequest(`The evidence text fields can have up to ${MAX_EVIDENCE_CHARS} characters combined.`, { param: 'evidence' });
  return evidence;
}

function hasEvidence(evidence: DisputeEvidence): boolean {
  return EVIDENCE_FIELDS.some((field) => evidence[field] !== null);
}

/** Closes an open dispute `won` or `lost` and stores `charge.dispute.closed`. */
export function closeDispute(app: EventContext, dispute: Dispute, outcome: 'won' | 'lost'): Dispute {
  if (dispute.status === 'won' || dispute.status === 'lost') throw invalidRequest(`This dispute is already closed (${dispute.status}).`);
  dispute.status = outcome;
  emitEvent(app, 'charge.dispute.closed', dispute);
  return dispute;
}
