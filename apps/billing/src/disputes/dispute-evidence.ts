import { HistoryItem, minorUnitExponent } from '@credit-hub/contracts';

/**
 * Dispute evidence from what the hub knows (seed 002: "auto-save generation logs, usage
 * timestamps"): every consumption with its time, domain, action type and reference, the refunds,
 * and the checkout and consent facts. Pure: the worker fetches the facts and sends the result to
 * Stripe as a draft (`submit: false`) for a person to review.
 */

/** A checkout as billing sold it. */
export interface CheckoutFact {
  sessionId: string;
  domain: string;
  offeringId: string;
  mode: 'payment' | 'subscription';
  credits: number;
  amountMinor: number;
  currency: string;
  /** The text shown above the pay button (what the customer agreed to by paying); null before it was recorded. */
  checkoutMessage: string | null;
  createdAt: string;
  completedAt: string | null;
  paymentIntentId: string | null;
}

/** What the evidence is assembled from. */
export interface EvidenceFacts {
  disputeId: string;
  chargeId: string;
  paymentIntentId: string | null;
  amountMinor: number;
  currency: string;
  reason: string;
  email: string;
  domain: string;
  brand: { displayName: string; supportEmail: string } | undefined;
  /** Every completed checkout of the customer, newest first. */
  checkouts: CheckoutFact[];
  /** The customer's ledger history, newest first. */
  history: HistoryItem[];
}

/** Stripe's text evidence fields billing fills. */
export type EvidenceText = Partial<Record<'access_activity_log' | 'customer_email_address' | 'product_description' | 'refund_policy_disclosure' | 'service_date' | 'uncategorized_text', string>>;

/** Stripe accepts 150,000 characters over all text fields; the activity log gets most of them. */
export const evidenceLimits = { activityLogCharsMax: 100_000, otherFieldCharsMax: 20_000 } as const;

const consumptionTypes: ReadonlySet<string> = new Set(['CreditsConsumed', 'ReservationCaptured']);
const refundTypes: ReadonlySet<string> = new Set(['ConsumptionRefunded', 'PurchaseRefunded']);
/**
 * `4900 usd` → `49.00 USD`, `500 jpy` → `500 JPY`, `300000 huf` → `3000.00 HUF`: the minor unit is
 * Stripe's (`minorUnitExponent`: HUF in hundredths, KWD in thousandths).
 */
export function money(amountMinor: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits = minorUnitExponent(currency);
  if (digits === 0) return `${amountMinor} ${code}`;
  // Integer arithmetic on minor units: no float ever touches the amount.
  const scale = 10 ** digits;
  const sign = amountMinor < 0 ? '-' : '';
  const abs = Math.abs(amountMinor);
  return `${sign}${Math.trunc(abs / scale)}.${String(abs % scale).padStart(digits, '0')} ${code}`;
}

/** Builds the text evidence; every field is bounded so the whole stays under Stripe's limit. */
export function buildEvidence(facts: EvidenceFacts): EvidenceText {
  const purchase = facts.checkouts.find((c) => c.paymentIntentId !== null && c.paymentIntentId === facts.paymentIntentId) ?? facts.checkouts[0];
  const consumptions = facts.history.filter((item) => consumptionTypes.has(item.type));
  const evidence: EvidenceText = {
    customer_email_address: facts.email,
    access_activity_log: bounded(activityLog(consumptions), evidenceLimits.activityLogCharsMax),
    uncategorized_text: bounded(summary(facts, purchase, consumptions), evidenceLimits.otherFieldCharsMax),
  };
  if (purchase) {
    const product = facts.brand?.displayName ?? purchase.domain;
    const period = purchase.mode === 'subscription' ? ' per billing period (subscription)' : ' (prepaid, one-time)';
    evidence.product_description = bounded(`${product} (${purchase.domain}): ${purchase.credits} AI usage credits${period}, offering ${purchase.offeringId}, for ${money(purchase.amountMinor, purchase.currency)}.`, 1000);
    evidence.service_date = (purchase.completedAt ?? purchase.createdAt).slice(0, 10);
    if (purchase.checkoutMessage) {
      evidence.refund_policy_disclosure = bounded(`Shown on the checkout page above the pay button, accepted by paying: "${purchase.checkoutMessage}"`, 2000);
    }
  }
  return evidence;
}

function activityLog(consumptions: HistoryItem[]): string {
  if (consumptions.length === 0) return 'No credits were used.';
  const header = `${consumptions.length} uses of the credits (UTC time, domain, action, reference, credits), newest first:`;
  const lines = consumptions.map((item) => `${item.occurredAt} ${item.domain ?? '-'} ${item.actionType ?? '-'} ${item.referenceId ?? '-'} ${Math.abs(item.creditsDelta)}`);
  return [header, ...lines].join('\n');
}

function summary(facts: EvidenceFacts, purchase: CheckoutFact | undefined, consumptions: HistoryItem[]): string {
  const used = consumptions.reduce((sum, item) => sum + Math.abs(item.creditsDelta), 0);
  const refunds = facts.history.filter((item) => refundTypes.has(item.type));
  const lines = [
    `Dispute ${facts.disputeId} (${facts.reason}) on charge ${facts.chargeId} for ${money(facts.amountMinor, facts.currency)}; customer ${facts.email} on ${facts.domain}.`,
    facts.brand ? `Merchant support: ${facts.brand.supportEmail}.` : '',
    purchase
      ? `Checkout ${purchase.sessionId} created ${purchase.createdAt}, paid ${purchase.completedAt ?? 'unknown'}${purchase.paymentIntentId ? ` (payment ${purchase.paymentIntentId})` : ''}: ${purchase.credits} credits of ${purchase.offeringId} on ${purchase.domain}.`
      : 'No checkout of this customer was found.',
    `The customer used ${used} credits in ${consumptions.length} actions${consumptions.length > 0 ? `, from ${consumptions[consumptions.length - 1].occurredAt} to ${consumptions[0].occurredAt}` : ''}.`,
    refunds.length === 0
      ? 'No refunds were asked for or made.'
      : `Refunds: ${refunds.map((item) => `${item.occurredAt} ${item.type} ${Math.abs(item.creditsDelta)} credits`).join('; ')}.`,
    `Other purchases by this customer: ${facts.checkouts.filter((c) => c !== purchase).map((c) => `${c.completedAt ?? c.createdAt} ${c.domain} ${c.offeringId}`).join('; ') || 'none'}.`,
  ];
  return lines.filter((line) => line !== '').join('\n');
}

function bounded(text: string, charsMax: number): string {
  if (text.length <= charsMax) return text;
  const cut = text.lastIndexOf('\n', charsMax - 40);
  return `${text.slice(0, cut > 0 ? cut : charsMax - 40)}\n… (cut at ${charsMax} characters)`;
}
