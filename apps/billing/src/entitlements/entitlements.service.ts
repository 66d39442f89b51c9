import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CheckEntitlementQuery, EntitlementCheckResult, EntitlementsView, GetEntitlementsQuery, Reply, replyOk } from '@credit-hub/contracts';
import { StripeClock } from '../stripe/stripe-clock';
import { isoOf } from '../stripe/stripe-objects';
import { EntitlementCatalog } from './entitlement-catalog';
import { capsOf, checkEntitlement, entitlementAt, nextChange } from './entitlement-rules';
import { loadEntitlement } from './entitlement.store';

/** How old the check's reading of Stripe's clock may be, ms (the stand-in's test clock; the real Stripe: the wall clock, never read). */
export const checkClockMaxAgeMs = 250;

/**
 * Answers what a customer may do on a domain now, from the `entitlements` projection (one
 * primary-key read) and the cached caps of the catalog; Stripe is never called. "Now" is Stripe's
 * clock, and a boundary already passed (trial end or period end of a cancelled plan, grace end)
 * counts even before its webhook arrives. A customer without a row gets the domain's free tier.
 */
@Injectable()
export class EntitlementsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: StripeClock,
    private readonly catalog: EntitlementCatalog,
  ) {}

  /** The customer's entitlements on the domain (billing's part of `GET /api/portfolio/entitlements`). */
  async get(query: GetEntitlementsQuery): Promise<Reply<EntitlementsView>> {
    const [row, source, clockNow] = await Promise.all([
      loadEntitlement(this.dataSource, query.domain, query.email),
      this.catalog.capsOf(query.domain),
      this.clock.nowSeconds(),
    ]);
    const now = Math.max(clockNow, row?.evaluatedAt ?? 0);
    const facts = row?.facts ?? null;
    const state = entitlementAt(facts, now);
    const change = nextChange(facts, now);
    const iso = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? null : isoOf(seconds));
    return replyOk({
      email: query.email,
      domain: query.domain,
      ...state,
      caps: capsOf(state, source),
      subscriptionId: facts?.subscriptionId ?? null,
      trialEnd: iso(facts?.trialEnd),
      currentPeriodEnd: iso(facts?.currentPeriodEnd),
      cancelAtPeriodEnd: facts?.cancelAtPeriodEnd ?? false,
      graceEndsAt: iso(facts?.graceEndsAt),
      changesAt: iso(change?.at),
      changesTo: change ? { ...change.to, at: isoOf(change.at), caps: capsOf(change.to, source), expected: change.expected } : null,
      asOf: isoOf(now),
    });
  }

  /** May the customer use `feature` (have `requested` more when `inUse` are had)? Refusals are answers. */
  async check(query: CheckEntitlementQuery): Promise<Reply<EntitlementCheckResult>> {
    const [row, source, clockNow] = await Promise.all([
      loadEntitlement(this.dataSource, query.domain, query.email),
      this.catalog.capsOf(query.domain),
      this.clock.nowSecondsCached(checkClockMaxAgeMs),
    ]);
    const state = entitlementAt(row?.facts ?? null, Math.max(clockNow, row?.evaluatedAt ?? 0));
    return replyOk(checkEntitlement(state, source, query.feature, query.requested ?? 1, query.inUse ?? 0));
  }
}
