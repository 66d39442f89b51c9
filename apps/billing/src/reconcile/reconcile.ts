import { ReconcileFinding } from '@credit-hub/contracts';

/**
 * Reconciliation's pure parts: the window, and the comparison of what Stripe says was paid with
 * what the ledger recorded (and the reverse).
 */

/** Longest window reconciliation reads (Stripe keeps events 30 days; sessions and invoices longer). */
export const windowSecondsMax = 90 * 86_400;

const units: Record<string, number> = { d: 86_400, h: 3600, m: 60 };

/** The window's start (unix seconds) for `since` (`3d`, `12h`, `90m`, or an ISO time) at `now`; undefined if invalid or too long. */
export function windowStart(since: string, now: number): number | undefined {
  const duration = /^(\d{1,4})([dhm])$/.exec(since);
  const start = duration ? now - Number(duration[1]) * units[duration[2]] : Math.floor(Date.parse(since) / 1000);
  if (!Number.isSafeInteger(start) || start > now || now - start > windowSecondsMax) return undefined;
  return start;
}

/** A paid checkout of a credit pack billing sold (Stripe's list). */
export interface PaidSession {
  id: string;
  email: string | null;
}

/** A paid subscription invoice and the grant it should have given. */
export interface PaidInvoice {
  id: string;
  email: string | null;
  grantId: string;
}

/** A ledger event read from stream LEDGER. */
export interface LedgerFact {
  eventId: string;
  email: string;
  /**
   * When it happened on Stripe's clock (CreditsPurchased.purchasedAt is the payment's Stripe event
   * time; a plan CreditsGranted.grantedAt the invoice's), ISO; null when the event lacks it.
   */
  at: string | null;
}

/**
 * The facts that fall in the window [from, ∞) on Stripe's clock. The stream is read from a wall
 * time early enough for any clock offset (JetStream stamps publish times on the wall clock, and a
 * Stripe test clock only moves forward); this keeps exactly the window Stripe was asked about,
 * so a window after a test clock moved compares the same events on both sides. Facts without a
 * time are kept.
 */
export function factsInWindow(facts: Map<string, LedgerFact>, from: number): Map<string, LedgerFact> {
  return new Map([...facts].filter(([, fact]) => fact.at === null || !(Date.parse(fact.at) / 1000 < from)));
}

/** What the comparison reads. */
export interface ReconcileInputs {
  paidSessions: PaidSession[];
  paidInvoices: PaidInvoice[];
  /** `CreditsPurchased` in the window, by checkout session id. */
  ledgerPurchases: Map<string, LedgerFact>;
  /** `CreditsGranted` of source plan in the window, by grant id. */
  ledgerPlanGrants: Map<string, LedgerFact>;
  /** Checkout sessions known to be paid (billing's completed sales and Stripe's answers), any age. */
  paidSessionIds: ReadonlySet<string>;
  /** Every grant billing asked for (`plan_grants`), any age. */
  billingGrantIds: ReadonlySet<string>;
}

/**
 * Findings, in a fixed order: Stripe paid but the ledger has nothing (sessions, then invoices),
 * then the ledger has what Stripe or billing does not know (purchases, then plan grants).
 */
export function compare(inputs: ReconcileInputs): ReconcileFinding[] {
  const findings: ReconcileFinding[] = [];
  for (const session of inputs.paidSessions) {
    if (!inputs.ledgerPurchases.has(session.id)) {
      findings.push({ kind: 'paid_session_without_purchase', id: session.id, email: session.email, detail: 'Stripe says paid; the ledger has no CreditsPurchased for it' });
    }
  }
  for (const invoice of inputs.paidInvoices) {
    if (!inputs.ledgerPlanGrants.has(invoice.grantId)) {
      findings.push({ kind: 'paid_invoice_without_grant', id: invoice.id, email: invoice.email, detail: `Stripe says paid; the ledger has no CreditsGranted ${invoice.grantId}` });
    }
  }
  for (const [sessionId, fact] of inputs.ledgerPurchases) {
    if (!inputs.paidSessionIds.has(sessionId)) {
      findings.push({ kind: 'purchase_without_paid_session', id: sessionId, email: fact.email, detail: `ledger event ${fact.eventId} credits a session Stripe does not report paid` });
    }
  }
  for (const [grantId, fact] of inputs.ledgerPlanGrants) {
    if (!inputs.billingGrantIds.has(grantId)) {
      findings.push({ kind: 'plan_grant_unknown_to_billing', id: grantId, email: fact.email, detail: `ledger event ${fact.eventId} grants plan credits billing never asked for` });
    }
  }
  return findings;
}

/** Whether a finding may still resolve by itself (the ledger has not caught up with billing's outbox yet). */
export function mayBeLag(finding: ReconcileFinding): boolean {
  return finding.kind === 'paid_session_without_purchase' || finding.kind === 'paid_invoice_without_grant';
}
