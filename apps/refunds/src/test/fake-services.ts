import { randomUUID } from 'node:crypto';
import {
  AccountChangeResult,
  BalanceView,
  BillingRefundSubjects,
  CreateStripeRefundCommand,
  CreateStripeRefundResult,
  GetRefundableQuery,
  LedgerSubjects,
  LotView,
  Reply,
  RefundConsumptionsCommand,
  RefundConsumptionsResult,
  RefundableView,
  RefundPurchaseCommand,
  RefundPurchaseResult,
  RevertPurchaseRefundCommand,
} from '@credit-hub/contracts';
import { testNatsUrl } from '@credit-hub/testing';
import { connect, JSONCodec, NatsConnection, Subscription } from 'nats';

/**
 * In-memory stand-ins for the ledger and billing behind NATS, speaking Nest's wire format
 * (`{pattern, data, id}` in, `{id, response, isDisposed}` out). They keep the real services'
 * contracts: idempotent on the refund request id, refusals by code; the ledger answers the
 * refundable query from its state at that moment and picks a window's consumptions itself. Each
 * records how often a command took effect, which is what the exactly-once tests count.
 */

const codec = JSONCodec();

type Answer = (data: unknown) => Promise<Reply<unknown> | undefined>;

/** A responder on the plain nats client. */
abstract class NatsResponder {
  private subscriptions: Subscription[] = [];
  constructor(protected readonly nc: NatsConnection) {}

  protected async serve(subject: string, answer: Answer): Promise<void> {
    const subscription = this.nc.subscribe(subject, {
      callback: (error, message) => {
        if (error) return;
        const packet = codec.decode(message.data) as { data: unknown; id: string };
        void answer(packet.data).then((response) => {
          if (response !== undefined) message.respond(codec.encode({ id: packet.id, response, isDisposed: true }));
        });
      },
    });
    this.subscriptions.push(subscription);
    await this.nc.flush();
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    await this.nc.drain();
  }
}

interface FakeLot extends LotView {
  paymentIntentId: string | null;
}

interface FakeConsumption {
  email: string;
  domain: string;
  referenceId: string;
  eventId: string;
  actionType: string;
  credits: number;
  refunded: number;
  consumedAt: string;
}

/** The ledger: lots, consumptions, credit and money refunds, with the real decide rules that matter here. */
export class FakeLedger extends NatsResponder {
  readonly lots = new Map<string, FakeLot[]>();
  readonly consumptions = new Map<string, FakeConsumption>();
  /** refundRequestId → credits returned (credit refunds). */
  readonly creditRefunds = new Map<string, number>();
  /** refundRequestId → { lotId, credits, amountMinor, reverted }. */
  readonly moneyRefunds = new Map<string, { email: string; lotId: string; credits: number; amountMinor: number; reverted: boolean }>();
  /** Effects per command (a repeat is not an effect). */
  readonly effects = { refundConsumptions: 0, refundPurchase: 0, revertPurchaseRefund: 0 };
  /** Calls per command (repeats included). */
  readonly calls = { refundConsumptions: 0, refundPurchase: 0, revertPurchaseRefund: 0, getBalance: 0, getRefundable: 0 };
  /** When set, the next credit refund takes effect but its answer is lost (a crash of the reply path). */
  loseNextRefundAnswer = false;
  /** Lines of each credit refund, for the repeat answer (as the real ledger reads them from its events). */
  private readonly creditRefundLines = new Map<string, { referenceId: string; credits: number; eventId: string }[]>();
  /** Held credits per lot (reservations). */
  readonly held = new Map<string, number>();

  static async start(): Promise<FakeLedger> {
    const ledger = new FakeLedger(await connect({ servers: testNatsUrl, name: 'fake-ledger' }));
    await ledger.serve(LedgerSubjects.getBalance, async (data) => ledger.balance(data as { email: string; domain?: string }));
    await ledger.serve(LedgerSubjects.getRefundable, async (data) => ledger.refundable(data as GetRefundableQuery));
    await ledger.serve(LedgerSubjects.refundConsumptions, (data) => ledger.refundConsumptions(data as RefundConsumptionsCommand));
    await ledger.serve(LedgerSubjects.refundPurchase, async (data) => ledger.refundPurchase(data as RefundPurchaseCommand));
    await ledger.serve(LedgerSubjects.revertPurchaseRefund, async (data) => ledger.revert(data as RevertPurchaseRefundCommand));
    return ledger;
  }

  /** A purchase: a lot of `credits` for `amountMinor`. */
  purchase(email: string, domain: string, credits: number, amountMinor: number, acquiredAt = new Date().toISOString()): FakeLot {
    const lot: FakeLot = {
      lotId: randomUUID(), kind: 'purchased', domain, offeringId: `pack_${credits}`, creditsInitial: credits, creditsRemaining: credits,
      amountMinor, currency: 'usd', scopeDomain: null, expiresAt: null, acquiredAt, paymentIntentId: `pi_test_${randomUUID().replace(/-/g, '')}`,
    };
    this.lots.set(email, [...(this.lots.get(email) ?? []), lot]);
    return lot;
  }

  /** A consumption, drawn from the first lot with credits, acknowledged (recorded) at once. */
  async consume(email: string, domain: string, credits: number, referenceId = `ref-${randomUUID()}`, consumedAt = new Date().toISOString()): Promise<string> {
    const lot = (this.lots.get(email) ?? []).find((l) => l.creditsRemaining >= credits);
    if (!lot) throw new Error(`fake ledger: ${email} has no lot with ${credits} credits`);
    lot.creditsRemaining -= credits;
    this.consumptions.set(`${domain}|${referenceId}`, { email, domain, referenceId, eventId: randomUUID(), actionType: 'chat', credits, refunded: 0, consumedAt });
    return referenceId;
  }

  total(email: string): number {
    return (this.lots.get(email) ?? []).reduce((sum, l) => sum + l.creditsRemaining, 0);
  }

  private balance(query: { email: string }): Reply<BalanceView> {
    this.calls.getBalance++;
    const lots = (this.lots.get(query.email) ?? []).filter((l) => l.creditsRemaining > 0).map(({ paymentIntentId: _p, ...view }) => view);
    return { ok: true, value: { email: query.email, balance: this.total(query.email), lots } };
  }

  /** The real ledger's answer: the window's consumptions, and each purchase on the domain with its offer (holds counted). */
  private refundable(query: GetRefundableQuery): Reply<RefundableView> {
    this.calls.getRefundable++;
    const consumptions = [...this.consumptions.values()]
      .filter((c) => c.email === query.email && c.domain === query.domain && c.consumedAt >= query.consumedSince)
      .sort((a, b) => b.consumedAt.localeCompare(a.consumedAt) || a.eventId.localeCompare(b.eventId))
      .map((c) => ({ eventId: c.eventId, referenceId: c.referenceId, actionType: c.actionType, credits: c.credits, creditsRefunded: c.refunded, consumedAt: c.consumedAt }));
    const purchases = (this.lots.get(query.email) ?? [])
      .filter((l) => l.kind === 'purchased' && l.domain === query.domain && l.creditsRemaining > 0)
      .map((l) => {
        const creditsUnused = l.creditsRemaining - (this.held.get(l.lotId) ?? 0);
        return {
          lotId: l.lotId, offeringId: l.offeringId, creditsInitial: l.creditsInitial, creditsUnused,
          amountMinor: Math.floor(((l.amountMinor ?? 0) * creditsUnused) / l.creditsInitial), currency: l.currency ?? 'usd', purchasedAt: l.acquiredAt, expiresAt: l.expiresAt,
        };
      });
    return { ok: true, value: { email: query.email, domain: query.domain, balance: this.total(query.email), consumptions, purchases } };
  }

  /** Commands of one account run one at a time, as under the real ledger's row lock. */
  private accountQueue = new Map<string, Promise<unknown>>();

  private serialised<T>(email: string, work: () => Promise<T>): Promise<T> {
    const previous = this.accountQueue.get(email) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.accountQueue.set(email, next.catch(() => undefined));
    return next;
  }

  private refundConsumptions(command: RefundConsumptionsCommand): Promise<Reply<RefundConsumptionsResult> | undefined> {
    return this.serialised(command.email, () => this.refundConsumptionsNow(command));
  }

  private async refundConsumptionsNow(command: RefundConsumptionsCommand): Promise<Reply<RefundConsumptionsResult> | undefined> {
    this.calls.refundConsumptions++;
    const earlier = this.creditRefundLines.get(command.refundRequestId);
    if (earlier) {
      // As the real ledger does: a repeat answers with the first answer's lines.
      return { ok: true, value: { creditsRefunded: earlier.reduce((sum, l) => sum + l.credits, 0), refunded: earlier, balance: this.total(command.email), repeated: true } };
    }
    const records = command.referenceIds
      ? command.referenceIds.map((ref) => this.consumptions.get(`${command.domain}|${ref}`))
      : [...this.consumptions.values()]
          .filter((c) => c.email === command.email && c.domain === command.domain && c.consumedAt >= (command.consumedSince ?? '') && c.credits > c.refunded)
          .sort((a, b) => b.consumedAt.localeCompare(a.consumedAt) || a.eventId.localeCompare(b.eventId));
    if (records.some((r) => !r || r.email !== command.email)) return { ok: false, refusal: { code: 'consumption_not_found', detail: 'no such consumption' } };
    let budget = command.creditsMax ?? Number.MAX_SAFE_INTEGER;
    const refunded: { referenceId: string; credits: number; eventId: string }[] = [];
    for (const record of new Set(records as FakeConsumption[])) {
      const credits = Math.min(record.credits - record.refunded, budget);
      if (credits <= 0) continue;
      budget -= credits;
      refunded.push({ referenceId: record.referenceId, credits, eventId: randomUUID() });
    }
    if (refunded.length === 0) return { ok: false, refusal: { code: 'nothing_to_refund', detail: 'nothing left to refund' } };
    const lot = (this.lots.get(command.email) ?? [])[0];
    for (const line of refunded) {
      const record = this.consumptions.get(`${command.domain}|${line.referenceId}`)!;
      record.refunded += line.credits;
      if (lot) lot.creditsRemaining += line.credits;
    }
    this.creditRefundLines.set(command.refundRequestId, refunded);
    this.creditRefunds.set(command.refundRequestId, refunded.reduce((sum, r) => sum + r.credits, 0));
    this.effects.refundConsumptions++;
    if (this.loseNextRefundAnswer) {
      this.loseNextRefundAnswer = false;
      return undefined; // the effect happened; the caller never hears of it
    }
    return { ok: true, value: { creditsRefunded: this.creditRefunds.get(command.refundRequestId)!, refunded, balance: this.total(command.email), repeated: false } };
  }

  private refundPurchase(command: RefundPurchaseCommand): Reply<RefundPurchaseResult> {
    this.calls.refundPurchase++;
    const lot = (this.lots.get(command.email) ?? []).find((l) => l.lotId === command.lotId);
    if (!lot) return { ok: false, refusal: { code: 'lot_not_found', detail: 'no such purchase' } };
    const earlier = this.moneyRefunds.get(command.refundRequestId);
    if (!earlier) {
      const credits = lot.creditsRemaining - (this.held.get(lot.lotId) ?? 0);
      if (credits <= 0) return { ok: false, refusal: { code: 'nothing_to_refund', detail: 'all used or held' } };
      const amountMinor = Math.floor((lot.amountMinor * credits) / lot.creditsInitial);
      lot.creditsRemaining -= credits;
      this.moneyRefunds.set(command.refundRequestId, { email: command.email, lotId: lot.lotId, credits, amountMinor, reverted: false });
      this.effects.refundPurchase++;
    }
    const refund = this.moneyRefunds.get(command.refundRequestId)!;
    return {
      ok: true,
      value: {
        lotId: lot.lotId, credits: refund.credits, amountMinor: refund.amountMinor, currency: 'usd', paymentIntentId: lot.paymentIntentId,
        checkoutSessionId: 'cs_test', balance: this.total(command.email), eventId: earlier ? null : randomUUID(), repeated: Boolean(earlier),
      },
    };
  }

  private revert(command: RevertPurchaseRefundCommand): Reply<AccountChangeResult> {
    this.calls.revertPurchaseRefund++;
    const refund = this.moneyRefunds.get(command.refundRequestId);
    if (!refund) return { ok: false, refusal: { code: 'refund_not_found', detail: 'no such refund' } };
    if (!refund.reverted) {
      refund.reverted = true;
      const lot = (this.lots.get(refund.email) ?? []).find((l) => l.lotId === refund.lotId)!;
      lot.creditsRemaining += refund.credits;
      this.effects.revertPurchaseRefund++;
      return { ok: true, value: { balance: this.total(refund.email), eventIds: [randomUUID()], repeated: false } };
    }
    return { ok: true, value: { balance: this.total(refund.email), eventIds: [], repeated: true } };
  }
}

/** Billing's Stripe refunds: idempotent on the refund request id, as Stripe is on the idempotency key. */
export class FakeBilling extends NatsResponder {
  /** refundRequestId → the Stripe refund created. */
  readonly refunds = new Map<string, CreateStripeRefundResult>();
  calls = 0;
  /** What the next calls do: succeed, be declined, hit an idempotency conflict, or go unanswered (Stripe slow / billing down). */
  mode: 'succeed' | 'decline' | 'idempotency' | 'silent' = 'succeed';

  static async start(): Promise<FakeBilling> {
    const billing = new FakeBilling(await connect({ servers: testNatsUrl, name: 'fake-billing' }));
    await billing.serve(BillingRefundSubjects.createRefund, async (data) => billing.createRefund(data as CreateStripeRefundCommand));
    return billing;
  }

  private createRefund(command: CreateStripeRefundCommand): Reply<CreateStripeRefundResult> | undefined {
    this.calls++;
    if (this.mode === 'silent') return undefined;
    if (this.mode === 'decline') return { ok: false, refusal: { code: 'stripe_refund_refused', detail: 'Stripe refused the refund: card_declined' } };
    if (this.mode === 'idempotency') return { ok: false, refusal: { code: 'stripe_refund_needs_operator', detail: 'Keys for idempotent requests can only be used with the same parameters' } };
    const refund = this.refunds.get(command.refundRequestId) ?? {
      stripeRefundId: `re_test_${this.refunds.size + 1}`, status: 'succeeded', amountMinor: command.amountMinor, currency: command.currency,
    };
    this.refunds.set(command.refundRequestId, refund);
    return { ok: true, value: refund };
  }
}
