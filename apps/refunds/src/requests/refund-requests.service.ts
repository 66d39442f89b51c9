import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  BalanceView,
  CreatePortalSessionCommand,
  GetBalanceQuery,
  GetPortalViewQuery,
  GetRefundableQuery,
  GetRefundRequestQuery,
  ListRefundRequestsQuery,
  normalizeDomain,
  normalizeEmail,
  PortalBranding,
  PortalSession,
  PortalView,
  RefundableView,
  RefundLimits,
  RefundRequestPage,
  RefundRequestView,
  Reply,
  replyOk,
  replyRefused,
  RequestRefundCommand,
  RequestRefundResult,
  ReviewRefundCommand,
} from '@credit-hub/contracts';
import { ServiceRequests } from '../clients/service-requests';
import { RefundCatalog } from '../policy/refund-catalog.service';
import {
  CandidateConsumption,
  CreditRefundDecision,
  decideCreditRefund,
  decideMoneyRefund,
  MoneyRefundDecision,
  moneyRefundablePurchases,
  PurchaseLot,
  RefundRefusal,
  reviewSpanDays,
} from '../policy/refund-decisions';
import { DomainRefundSettings, policyView } from '../policy/refund-policy';
import { mintPortalToken, PortalTokenClaims, verifyPortalToken } from '../portal/portal-token';
import { RefundsConfig } from '../refunds.config';
import { DriveOptions, RefundSaga } from '../saga/refund-saga';
import { RefundsDb } from '../db/refunds-db';
import {
  customerRefunds,
  findById,
  insertRequestWithEffects,
  lockCustomer,
  pastRefunds,
  publishEvents,
  RefundRequestRow,
  toView,
  transition,
} from './refund-requests.store';

const dayMs = 24 * 60 * 60 * 1000;
/** Refund requests the portal lists. */
const portalRefundsMax = 10;
/** Consumptions the portal lists. */
const portalConsumptionsMax = 100;

interface Access {
  claims: PortalTokenClaims;
  settings: DomainRefundSettings;
}

/**
 * The refunds service's use cases: portal links, the portal's page, refund requests (policy,
 * per-customer serialisation, the saga), and the builder's reads and reviews. Answers are
 * `Reply`s: expected refusals are returned with their code, never thrown.
 */
@Injectable()
export class RefundRequestsService {
  private readonly logger = new Logger('RefundRequests');

  constructor(
    private readonly db: RefundsDb,
    private readonly catalog: RefundCatalog,
    private readonly services: ServiceRequests,
    private readonly saga: RefundSaga,
    private readonly config: RefundsConfig,
  ) {}

  /** A signed portal link for one customer of one domain listed in the catalog. */
  createPortalSession(command: CreatePortalSessionCommand): Reply<PortalSession> {
    const settings = this.catalog.get(command.domain);
    if (!settings) return replyRefused('not_found', `${command.domain} has no refund portal: it is not in the catalog`, 'domain');
    const expiresAtMs = Date.now() + this.config.PORTAL_TOKEN_TTL_SECONDS * 1000;
    const claims = { email: normalizeEmail(command.email), domain: settings.domain, returnUrl: command.returnUrl, expiresAtMs };
    return replyOk({ token: mintPortalToken(claims, this.config.portalTokenKeys), expiresAt: new Date(expiresAtMs).toISOString() });
  }

  /**
   * Everything the portal page shows. The consumptions, the balance and the money-refund offers
   * are the ledger's at this moment (`ledger.queries.get-refundable.v1`), and the credit-refund
   * offer is computed by `decideCreditRefund`, the function a refund request decides with.
   */
  async portalView(query: GetPortalViewQuery): Promise<Reply<PortalView>> {
    const access = this.access(query.token);
    if (!access.ok) return access;
    const { claims, settings } = access.value;
    const { email, domain } = claims;
    const policy = settings.policy;
    const nowMs = Date.now();
    const [refundable, history, refunds] = await Promise.all([
      this.refundable(email, domain, new Date(nowMs - policy.windowDays * dayMs)),
      pastRefunds(this.db.pool, email, domain, new Date(nowMs - Math.max(policy.windowDays, reviewSpanDays) * dayMs)),
      this.db.query<RefundRequestRow>(
        `SELECT * FROM refund_requests WHERE email = $1 AND domain = $2 ORDER BY created_at DESC, id DESC LIMIT ${portalRefundsMax}`,
        [email, domain],
      ),
    ]);
    if (!refundable.ok) return refundable;
    const credit = decideCreditRefund({ policy, nowMs, consumptions: candidates(refundable.value), history });
    const limited = credit.outcome === 'refused' && credit.code === 'refund_not_allowed';
    return replyOk({
      email,
      branding: branding(access.value),
      expiresAt: new Date(claims.expiresAtMs).toISOString(),
      balance: refundable.value.balance,
      policy: policyView(policy),
      consumptions: refundable.value.consumptions.slice(0, portalConsumptionsMax).map((c) => ({
        referenceId: c.referenceId,
        actionType: c.actionType,
        credits: c.credits,
        creditsRefundable: Math.max(0, c.credits - c.creditsRefunded),
        consumedAt: c.consumedAt,
      })),
      creditRefund:
        credit.outcome === 'accepted' ? { available: true, credits: credit.credits, reason: null } : { available: false, credits: 0, reason: credit.reason },
      moneyRefunds: limited ? [] : moneyRefundablePurchases(policy, domain, purchaseLots(refundable.value), nowMs),
      refunds: refunds.map(toView),
    });
  }

  /**
   * A refund request. The ledger is asked what is refundable now (so every consumption it
   * acknowledged before this request counts); under the customer's lock the policy decides and the
   * request is recorded. Credits: the ledger then refunds the window's consumptions itself, up to
   * the credits decided, within this call (the customer sees the new balance at once). Money: the
   * saga runs with the ledger's offer; the answer waits for it at most REFUNDS_MONEY_WAIT_MS.
   */
  async requestRefund(command: RequestRefundCommand): Promise<Reply<RequestRefundResult>> {
    const access = this.access(command.token);
    if (!access.ok) return access;
    const { email, domain } = access.value.claims;
    const feedback = normalizedFeedback(command);
    if (!feedback.ok) return feedback;
    if (command.kind === 'money' && !command.lotId) return replyRefused('validation_failed', 'a money refund names the purchase (lotId)', 'lotId');
    const policy = access.value.settings.policy;
    const now = new Date();
    const nowMs = now.getTime();
    const consumedSince = new Date(nowMs - policy.windowDays * dayMs);
    type Recorded = { row: RefundRequestRow; repeated: boolean } | { refusal: RefundRefusal } | { ledgerRefused: Reply<never> };
    // Round trips are what this path costs (the p99 of the instant refund): lock, one read and the
    // ledger's answer (in parallel), one write statement, commit.
    const recorded = await this.db.transaction(async (db): Promise<Recorded> => {
      await lockCustomer(db, email, domain);
      // Asked under the customer's lock: every refund of this customer that completed before it is
      // in the ledger's answer, and every one still unfinished is in `history` (counted in flight).
      // The ledger decides again under its own lock what it refunds; this sets the amount and limits.
      const since = new Date(nowMs - Math.max(policy.windowDays, reviewSpanDays) * dayMs);
      const [{ earlier, history }, refundable] = await Promise.all([
        customerRefunds(db, email, domain, since, command.requestKey),
        this.refundable(email, domain, consumedSince),
      ]);
      if (earlier) return { row: earlier, repeated: true };
      if (!refundable.ok) return { ledgerRefused: refundable };
      const decision: CreditRefundDecision | MoneyRefundDecision =
        command.kind === 'credits'
          ? decideCreditRefund({ policy, nowMs, consumptions: candidates(refundable.value), history })
          : decideMoneyRefund({ policy, domain, nowMs, lots: purchaseLots(refundable.value), lotId: command.lotId as string, history });
      if (decision.outcome === 'refused') return { refusal: decision };
      const row = await insertRequestWithEffects(db, {
        id: randomUUID(),
        email,
        domain,
        requestKey: command.requestKey,
        kind: command.kind,
        status: decision.hold ? 'held' : 'requested',
        feedback: feedback.value,
        creditsRequested: decision.credits,
        lotId: 'lotId' in decision ? decision.lotId : null,
        amountMinor: 'amountMinor' in decision ? decision.amountMinor : null,
        currency: 'currency' in decision ? decision.currency : null,
        reviewReason: decision.hold,
        consumedSince: command.kind === 'credits' ? consumedSince : null,
        now,
        leaseUntil: decision.hold ? null : new Date(nowMs + this.config.REFUNDS_SAGA_LEASE_MS),
      }, decision.hold ? ['RefundRequested', 'RefundHeld'] : ['RefundRequested']);
      return { row, repeated: false };
    });
    if ('ledgerRefused' in recorded) return recorded.ledgerRefused;
    if ('refusal' in recorded) return replyRefused(recorded.refusal.code, recorded.refusal.reason, command.kind === 'money' ? 'lotId' : undefined);
    if (recorded.repeated || recorded.row.status !== 'requested') return this.answer(access.value, recorded.row, recorded.repeated);
    // The new balance is asked for as soon as the ledger has answered, while the completion is written.
    let balance: Promise<Reply<BalanceView>> | undefined;
    const row = await this.driveForAnswer(recorded.row, { start: recorded.row, afterLedger: () => (balance = this.balance(email, domain)) });
    return this.answer(access.value, row, false, balance);
  }

  /** A domain's refund requests, newest first, with filters and a keyset cursor. */
  async list(query: ListRefundRequestsQuery): Promise<Reply<RefundRequestPage>> {
    const domain = normalizeDomain(query.domain);
    const limit = query.limit ?? RefundLimits.pageSizeDefault;
    const cursor = query.cursor === undefined ? null : readCursor(query.cursor);
    if (cursor === undefined) return replyRefused('validation_failed', 'cursor must be a cursor returned by a previous page', 'cursor');
    const rows = await this.db.query<RefundRequestRow>(
      `SELECT * FROM refund_requests
        WHERE domain = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::text IS NULL OR status = $3)
          AND ($4::text IS NULL OR category = $4) AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $7`,
      [domain, query.since ?? null, query.status ?? null, query.category ?? null, cursor?.createdAt ?? null, cursor?.id ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? writeCursor(last.created_at, last.id) : null;
    return replyOk({ domain, items: page.map(toView), nextCursor });
  }

  /** One request; another domain's is `refund_not_found`, like a missing one. */
  async get(query: GetRefundRequestQuery): Promise<Reply<RefundRequestView>> {
    const row = await findById(this.db.pool, query.refundRequestId);
    if (!row || row.domain !== normalizeDomain(query.domain)) return replyRefused('refund_not_found', `no refund request ${query.refundRequestId} on ${query.domain}`);
    return replyOk(toView(row));
  }

  /** A builder's decision on a request held for review. Repeating a decision answers the same. */
  async review(command: ReviewRefundCommand): Promise<Reply<RefundRequestView>> {
    const row = await findById(this.db.pool, command.refundRequestId);
    if (!row || row.domain !== normalizeDomain(command.domain)) return replyRefused('refund_not_found', `no refund request ${command.refundRequestId} on ${command.domain}`);
    if (row.status !== 'held') {
      const same = command.decision === 'deny' ? row.status === 'denied' : row.status !== 'denied' && row.review_reason !== null;
      if (same) return replyOk(toView(row));
      return replyRefused('refund_not_allowed', `refund request ${row.id} is ${row.status}, not held for review`);
    }
    if (command.decision === 'deny') {
      const denied = await this.db.transaction(async (db) => {
        const moved = await transition(db, row.id, 'held', 'denied', { failureReason: 'denied after review', leaseUntil: null, completed: true });
        if (moved) await publishEvents(db, moved, ['RefundDenied']);
        return moved;
      });
      return replyOk(toView(denied ?? (await findById(this.db.pool, row.id)) ?? row));
    }
    const approved = await this.db.transaction(async (db) =>
      transition(db, row.id, 'held', 'requested', { leaseUntil: new Date(Date.now() + this.config.REFUNDS_SAGA_LEASE_MS) }, 'approved after review'),
    );
    if (!approved) return replyOk(toView((await findById(this.db.pool, row.id)) ?? row));
    return replyOk(toView(await this.driveForAnswer(approved)));
  }

  /** Drives a just-created request: credits to the end, money for at most REFUNDS_MONEY_WAIT_MS. */
  private async driveForAnswer(row: RefundRequestRow, options: DriveOptions = {}): Promise<RefundRequestRow> {
    const driving = this.saga.drive(row.id, options).catch(async (error: Error) => {
      // The lease stays taken: the resumer takes the refund over when it expires.
      this.logger.error(`driving refund ${row.id} failed: ${error.message}`, error.stack);
      return (await findById(this.db.pool, row.id)) ?? row;
    });
    if (row.kind === 'credits') return driving;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.config.REFUNDS_MONEY_WAIT_MS)));
    const finished = await Promise.race([driving, waited]);
    clearTimeout(timer);
    return finished ?? (await findById(this.db.pool, row.id)) ?? row;
  }

  private async answer(access: Access, row: RefundRequestRow, repeated: boolean, asked?: Promise<Reply<BalanceView>>): Promise<Reply<RequestRefundResult>> {
    const balance = await (asked ?? this.balance(row.email, row.domain));
    if (!balance.ok) return balance;
    return replyOk({ request: toView(row), balance: balance.value.balance, branding: branding(access), repeated });
  }

  private async balance(email: string, domain: string): Promise<Reply<BalanceView>> {
    const query: GetBalanceQuery = { email, domain };
    const outcome = await this.services.ledger('ledger.queries.get-balance.v1', query);
    if (outcome.kind === 'ok') return replyOk(outcome.value);
    if (outcome.kind === 'refused') return { ok: false, refusal: outcome.refusal };
    return replyRefused('service_unavailable', 'the ledger did not answer; retry shortly');
  }

  /** What the ledger says is refundable for the customer on the domain now (consumptions since `consumedSince`). */
  private async refundable(email: string, domain: string, consumedSince: Date): Promise<Reply<RefundableView>> {
    const query: GetRefundableQuery = { email, domain, consumedSince: consumedSince.toISOString() };
    const outcome = await this.services.ledger('ledger.queries.get-refundable.v1', query);
    if (outcome.kind === 'ok') return replyOk(outcome.value);
    if (outcome.kind === 'refused') return { ok: false, refusal: outcome.refusal };
    return replyRefused('service_unavailable', 'the ledger did not answer; retry shortly');
  }

  /** The claims of a valid token, for a domain the catalog still lists. */
  private access(token: string): Reply<Access> {
    const verified = verifyPortalToken(token, this.config.portalTokenKeys, Date.now());
    if (!verified.ok) return replyRefused('portal_link_invalid', verified.refusal === 'expired' ? 'This link has expired; ask for a new one' : 'This link is not valid');
    const settings = this.catalog.get(verified.claims.domain);
    if (!settings) return replyRefused('portal_link_invalid', 'This product no longer offers refunds here');
    return replyOk({ claims: verified.claims, settings });
  }
}

function branding({ claims, settings }: Access): PortalBranding {
  return { domain: settings.domain, displayName: settings.displayName, supportEmail: settings.supportEmail, returnUrl: claims.returnUrl };
}

/** The feedback trimmed; an answer of only spaces is a missing one. */
function normalizedFeedback(command: RequestRefundCommand): Reply<{ tried: string; didNotWork: string; wouldBringBack: string; category: RequestRefundCommand['category']; rating: number | null }> {
  const value = { tried: command.tried.trim(), didNotWork: command.didNotWork.trim(), wouldBringBack: command.wouldBringBack.trim() };
  for (const [field, text] of Object.entries(value)) {
    if (text.length === 0) return replyRefused('validation_failed', `${field} must not be blank`, field);
  }
  return replyOk({ ...value, category: command.category, rating: command.rating ?? null });
}

/** The ledger's consumptions as the credit-refund decision reads them: what of each is not refunded yet. */
export function candidates(view: RefundableView): CandidateConsumption[] {
  return view.consumptions.map((c) => ({
    eventId: c.eventId,
    referenceId: c.referenceId,
    creditsAvailable: Math.max(0, c.credits - c.creditsRefunded),
    consumedAtMs: Date.parse(c.consumedAt),
  }));
}

/** The ledger's purchases on the domain with its money-refund offers, as the money-refund decision reads them. */
export function purchaseLots(view: RefundableView): PurchaseLot[] {
  return view.purchases.map((p) => ({
    lotId: p.lotId,
    kind: 'purchased',
    domain: view.domain,
    offeringId: p.offeringId,
    creditsInitial: p.creditsInitial,
    creditsUnused: p.creditsUnused,
    amountMinor: p.amountMinor,
    currency: p.currency,
    expiresAtMs: p.expiresAt === null ? null : Date.parse(p.expiresAt),
    acquiredAtMs: Date.parse(p.purchasedAt),
  }));
}

function writeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id]), 'utf8').toString('base64url');
}

/** The position a cursor names; undefined when it is not one of ours. */
function readCursor(cursor: string): { createdAt: string; id: string } | undefined {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) return undefined;
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}
