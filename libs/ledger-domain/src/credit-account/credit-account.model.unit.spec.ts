/**
 * Model-based test (fast-check): random sequences of purchase, grant, consume, reserve, capture,
 * release, credit refund, money refund and its reversal, expiry, freeze and unfreeze against a
 * simple reference model that only counts credits. After every step the account's balance equals
 * the model's, no invariant breaks, and nothing is spent while frozen or beyond what is spendable.
 * Runs are few here (npm test); the chaos suite runs 1,000 × 100 (FC_RUNS, FC_STEPS).
 */
import fc from 'fast-check';
import { LedgerEvent } from '@credit-hub/contracts';
import {
  decideCapture, decideConsume, decideExpiry, decideFreeze, decideGrant, decideRefundConsumptions, decideRefundPurchase, decideRelease,
  decideReserve, decideRevertPurchaseRefund, decideUnfreeze,
} from './credit-account.decide';
import { CreditAccount, evolve, initialState, invariantViolations, RecordedEvent } from './credit-account.state';
import { spendableCredits } from './lot-order';

const runs = Number(process.env['FC_RUNS'] ?? 400);
const steps = Number(process.env['FC_STEPS'] ?? 60);
const domain = 'a.test';
const email = 'model@example.com';
const start = Date.parse('2026-11-20T00:00:00.000Z');

type Step =
  | { kind: 'purchase'; credits: number; amount: number }
  | { kind: 'grant'; credits: number; expiresInMinutes: number | null; priority: number }
  | { kind: 'consume'; credits: number }
  | { kind: 'reserve'; credits: number; ttlMinutes: number }
  | { kind: 'capture'; pick: number; fraction: number }
  | { kind: 'release'; pick: number }
  | { kind: 'refund'; pick: number; cap: number | null }
  | { kind: 'moneyRefund'; pick: number }
  | { kind: 'revert'; pick: number }
  | { kind: 'advance'; minutes: number }
  | { kind: 'freeze' }
  | { kind: 'unfreeze' };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('purchase' as const), credits: fc.integer({ min: 1, max: 50 }), amount: fc.integer({ min: 0, max: 10_000 }) }),
  fc.record({ kind: fc.constant('grant' as const), credits: fc.integer({ min: 1, max: 30 }), expiresInMinutes: fc.option(fc.integer({ min: 1, max: 120 })), priority: fc.integer({ min: -2, max: 2 }) }),
  fc.record({ kind: fc.constant('consume' as const), credits: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('reserve' as const), credits: fc.integer({ min: 1, max: 30 }), ttlMinutes: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ kind: fc.constant('capture' as const), pick: fc.nat(), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(), cap: fc.option(fc.integer({ min: 1, max: 20 })) }),
  fc.record({ kind: fc.constant('moneyRefund' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('revert' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 90 }) }),
  fc.constant({ kind: 'freeze' as const }),
  fc.constant({ kind: 'unfreeze' as const }),
);

/** The reference model: credits in and out, nothing else. */
interface Model { balance: number; consumedRefs: Map<string, number>; refundedOfRef: Map<string, number> }

class Harness {
  account: CreditAccount = initialState();
  model: Model = { balance: 0, consumedRefs: new Map(), refundedOfRef: new Map() };
  now = start;
  private version = 0;
  private counter = 0;
  reservations: string[] = [];
  lots: string[] = [];
  moneyRefunds: string[] = [];

  private iso(): string { return new Date(this.now).toISOString(); }
  private next(prefix: string): string { return `${prefix}${++this.counter}`; }

  apply(events: LedgerEvent[]): void {
    for (const event of events) {
      evolve(this.account, { ...event, eventId: this.next('e'), version: ++this.version } as RecordedEvent);
      this.count(event);
    }
  }

  /** The model's arithmetic, written independently of evolve: only credits in and out. */
  private count(event: LedgerEvent): void {
    const d = event.data as Record<string, any>;
    switch (event.type) {
      case 'CreditsPurchased': case 'CreditsGranted': case 'ConsumptionRefunded': case 'PurchaseRefundReverted':
        this.model.balance += d.credits; break;
      case 'CreditsConsumed': case 'CreditsExpired': case 'PurchaseRefunded': case 'ReservationCaptured':
        this.model.balance -= d.credits; break;
      default: break;
    }
    if (event.type === 'CreditsConsumed' || event.type === 'ReservationCaptured') this.model.consumedRefs.set(d.referenceId, d.credits);
    if (event.type === 'ConsumptionRefunded') this.model.refundedOfRef.set(d.referenceId, (this.model.refundedOfRef.get(d.referenceId) ?? 0) + d.credits);
  }

  run(step: Step): void {
    const now = this.iso();
    const pick = <T>(items: T[], n: number): T | undefined => (items.length ? items[n % items.length] : undefined);
    switch (step.kind) {
      case 'purchase': {
        const session = this.next('cs_');
        this.lots.push(`lot_${session}`);
        this.apply([{ type: 'CreditsPurchased', data: {
          lotId: `lot_${session}`, email, domain, offeringId: 'p', credits: step.credits, amountMinor: step.amount, currency: 'usd', stripeEventId: `evt_${session}`,
          checkoutSessionId: session, paymentIntentId: `pi_${session}`, scopeDomain: null, expiresAt: null, purchasedAt: now } }]);
        return;
      }
      case 'grant': {
        const d = decideGrant({ lotId: this.next('lot_g'), email, domain, credits: step.credits, grantId: this.next('g'), reason: 'r', source: 'manual', priority: step.priority,
          scopeDomain: null, expiresAt: step.expiresInMinutes === null ? null : new Date(this.now + step.expiresInMinutes * 60_000).toISOString(), subscriptionId: null, now }, this.account);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
      case 'consume': {
        const spendable = spendableCredits(this.account, domain, now);
        const frozen = this.account.openDisputes.size > 0;
        const d = decideConsume({ email, domain, credits: step.credits, actionType: 'a', referenceId: this.next('ref'), now }, this.account);
        expect(d.outcome === 'accepted').toBe(!frozen && step.credits <= spendable);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
      case 'reserve': {
        const d = decideReserve({ reservationId: this.next('rs'), email, domain, credits: step.credits, referenceId: this.next('job'), expiresAt: new Date(this.now + step.ttlMinutes * 60_000).toISOString(), now }, this.account);
        if (d.outcome === 'accepted') {
          this.reservations.push((d.events[0].data as { reservationId: string }).reservationId);
          this.apply(d.events);
        }
        return;
      }
      case 'capture': {
        const id = pick(this.reservations, step.pick);
        const reservation = id ? this.account.reservations.get(id) : undefined;
        if (!reservation) return;
        const d = decideCapture({ reservationId: reservation.reservationId, domain, credits: Math.floor(reservation.credits * step.fraction), actionType: 'a', now }, this.account);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
      case 'release': {
        const id = pick(this.reservations, step.pick);
        if (!id) return;
        const d = decideRelease({ reservationId: id, domain, now }, this.account);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
      case 'refund': {
        const ref = pick([...this.model.consumedRefs.keys()], step.pick);
        if (!ref) return;
        const d = decideRefundConsumptions({ email, domain, refundRequestId: this.next('rr'), referenceIds: [ref], creditsMax: step.cap, now }, this.account);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
      case 'moneyRefund': {
        const lotId = pick(this.lots, step.pick);
        if (!lotId) return;
        const id = this.next('mr');
        const d = decideRefundPurchase({ refundRequestId: id, lotId, now }, this.account);
        if (d.outcome === 'accepted') {
          this.moneyRefunds.push(id);
          this.apply(d.events);
        }
        return;
      }
      case 'revert': {
        const id = pick(this.moneyRefunds, step.pick);
        if (!id) return;
        const d = decideRevertPurchaseRefund({ refundRequestId: id, reason: 'refused', now }, this.account);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
      case 'advance':
        this.now += step.minutes * 60_000;
        {
          const d = decideExpiry(this.account, this.iso());
          if (d.outcome === 'accepted') this.apply(d.events);
        }
        return;
      case 'freeze': {
        const d = decideFreeze({ disputeId: 'du', reason: 'r', now }, this.account);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
      case 'unfreeze': {
        const d = decideUnfreeze({ disputeId: 'du', reason: 'r', now }, this.account);
        if (d.outcome === 'accepted') this.apply(d.events);
        return;
      }
    }
  }

  check(): void {
    expect(invariantViolations(this.account)).toEqual([]);
    expect(this.account.balance).toBe(this.model.balance);
    expect(this.account.balance).toBeGreaterThanOrEqual(0);
    expect(spendableCredits(this.account, domain, this.iso())).toBeLessThanOrEqual(this.account.balance);
    for (const [ref, refunded] of this.model.refundedOfRef) expect(refunded).toBeLessThanOrEqual(this.model.consumedRefs.get(ref) ?? 0);
  }
}

describe('credit account against a reference model', () => {
  it(`holds its invariants over ${runs} random sequences of ${steps} commands`, () => {
    fc.assert(
      fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: steps }), (sequence) => {
        const harness = new Harness();
        for (const step of sequence) {
          harness.run(step);
          harness.check();
        }
      }),
      { numRuns: runs },
    );
  });
});
