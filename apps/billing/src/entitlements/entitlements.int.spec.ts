/**
 * The entitlements projection on real PostgreSQL (billing booted by the harness): one published
 * change per transition, never back in time, the boundary scheduler publishing once, and the
 * check and the read answering from the row and the cached caps.
 */
import { CheckEntitlementQuery, EntitlementCheckResult, EntitlementEventSubjects, EntitlementSubjects, EntitlementsView, GetEntitlementsQuery } from '@credit-hub/contracts';
import { BillingHarness, startBillingHarness } from '../test/billing-harness';
import { SubscriptionFacts } from './entitlement-rules';
import { EntitlementScheduler } from './entitlement.scheduler';
import { loadEntitlement, settleEntitlement } from './entitlement.store';

const domain = 'demo.localhost';
let harness: BillingHarness;

beforeAll(async () => {
  // The scheduler is driven by hand here.
  harness = await startBillingHarness({ BILLING_SCHEDULER_INTERVAL_MS: '3600000' });
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

function facts(overrides: Partial<SubscriptionFacts>): SubscriptionFacts {
  return {
    subscriptionId: 'sub_int_1', offeringId: 'builder_monthly', status: 'trialing', trialEnd: null, currentPeriodEnd: null,
    cancelAtPeriodEnd: false, graceEndsAt: null, planCreditsBlocked: false, ...overrides,
  };
}

async function published(email: string): Promise<any[]> {
  const rows: { message_id: string; payload: any }[] = await harness.dataSource.query(
    `SELECT message_id, payload FROM outbox WHERE subject = $1 AND payload->>'email' = $2 ORDER BY id`,
    [EntitlementEventSubjects.changed, email],
  );
  return rows.map((row) => ({ messageId: row.message_id, ...row.payload }));
}

const settle = (email: string, f: SubscriptionFacts, now: number, effectiveAt?: number) =>
  harness.dataSource.transaction((manager) => settleEntitlement(manager, domain, email, f, now, effectiveAt));

describe('the entitlements projection', () => {
  it('publishes each change once, with its version, the previous state and the caps; never goes back in time', async () => {
    const email = 'ada-int@example.com';
    const t0 = 1_900_000_000;
    const trialEnd = t0 + 14 * 86_400;
    expect(await settle(email, facts({ trialEnd, currentPeriodEnd: trialEnd }), t0)).toMatchObject({ version: 1, tier: 'plan', status: 'trialing', previous: null });
    expect(await settle(email, facts({ trialEnd, currentPeriodEnd: trialEnd }), t0 + 10)).toBeUndefined(); // nothing visible changed
    const cancelled = facts({ trialEnd, currentPeriodEnd: trialEnd, cancelAtPeriodEnd: true });
    expect(await settle(email, cancelled, t0 + 20)).toBeUndefined(); // still trialing until the trial end
    expect((await loadEntitlement(harness.dataSource, domain, email))?.changesAt).toBe(trialEnd);
    expect(await settle(email, cancelled, trialEnd + 5)).toMatchObject({ version: 2, tier: 'free', status: 'canceled', previous: { tier: 'plan', status: 'trialing' } });
    // A later write seen through an older event time: judged at the newest time, nothing flips back.
    expect(await settle(email, cancelled, t0 + 30)).toBeUndefined();
    const messages = await published(email);
    expect(messages.map((m) => [m.messageId, m.version, m.status])).toEqual([
      [`entitlements:${domain}:${email}:1`, 1, 'trialing'],
      [`entitlements:${domain}:${email}:2`, 2, 'canceled'],
    ]);
    expect(messages[0].caps).toEqual({ scheduled_runs: true, byok: true, workspaces: 3, blocks: 500 });
    expect(messages[1].caps).toEqual({ scheduled_runs: false, byok: false, workspaces: 1, blocks: 50 });
    expect(await loadEntitlement(harness.dataSource, domain, email)).toMatchObject({ version: 2, evaluatedAt: trialEnd + 5, changesAt: null });
  });

  it('the scheduler publishes a boundary that passed on Stripe\'s clock, at the boundary, once', async () => {
    const email = 'bob-int@example.com';
    const now = Math.floor(Date.now() / 1000);
    const trialEnd = now - 60; // passed a minute ago on the stand-in's clock (never below the wall clock)
    const cancelled = facts({ subscriptionId: 'sub_int_2', trialEnd, currentPeriodEnd: trialEnd, cancelAtPeriodEnd: true });
    await settle(email, cancelled, trialEnd - 3600); // written an hour before the trial end
    expect((await loadEntitlement(harness.dataSource, domain, email))?.changesAt).toBe(trialEnd);
    const scheduler = harness.app.get(EntitlementScheduler);
    expect(await scheduler.settleDue()).toBeGreaterThanOrEqual(1);
    expect(await scheduler.settleDue()).toBe(0);
    const messages = await published(email);
    expect(messages.map((m) => [m.version, m.tier, m.status, m.at])).toEqual([
      [1, 'plan', 'trialing', new Date((trialEnd - 3600) * 1000).toISOString()],
      [2, 'free', 'canceled', new Date(trialEnd * 1000).toISOString()],
    ]);
    expect(await settle(email, facts({ ...cancelled, status: 'canceled' }), trialEnd)).toBeUndefined(); // the deletion webhook, later: nothing new
  });

  it('the scheduler settles the rows due after one that fails, and retries that one at its next run', async () => {
    const now = Math.floor(Date.now() / 1000);
    const poison = 'poison-int@example.com';
    const good = 'good-int@example.com';
    // The poison row's boundary passed first, so it comes first; a trigger makes its update fail.
    await settle(poison, facts({ subscriptionId: 'sub_int_p', trialEnd: now - 120, currentPeriodEnd: now - 120, cancelAtPeriodEnd: true }), now - 7200);
    await settle(good, facts({ subscriptionId: 'sub_int_g', trialEnd: now - 60, currentPeriodEnd: now - 60, cancelAtPeriodEnd: true }), now - 7200);
    await harness.dataSource.query(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.email = '${poison}' THEN RAISE EXCEPTION 'simulated failure of one row'; END IF; RETURN NEW; END $$`);
    await harness.dataSource.query('CREATE TRIGGER refuse_poison BEFORE UPDATE ON entitlements FOR EACH ROW EXECUTE FUNCTION refuse_poison()');
    const scheduler = harness.app.get(EntitlementScheduler);
    try {
      expect(await scheduler.settleDue()).toBeGreaterThanOrEqual(1);
      expect((await published(good)).map((m) => m.status)).toEqual(['trialing', 'canceled']);
      expect((await published(poison)).map((m) => m.status)).toEqual(['trialing']);
    } finally {
      await harness.dataSource.query('DROP TRIGGER refuse_poison ON entitlements');
      await harness.dataSource.query('DROP FUNCTION refuse_poison()');
    }
    expect(await scheduler.settleDue()).toBeGreaterThanOrEqual(1); // the poison row, now that it can be written
    expect((await published(poison)).map((m) => m.status)).toEqual(['trialing', 'canceled']);
  });

  it('answers the read and the check from the row (a passed boundary counts) and the free tier for anyone else', async () => {
    const email = 'cyd-int@example.com';
    const now = Math.floor(Date.now() / 1000);
    await settle(email, facts({ subscriptionId: 'sub_int_3', status: 'past_due', currentPeriodEnd: now + 30 * 86_400, graceEndsAt: now - 1 }), now - 86_400);
    const view = await harness.request<EntitlementsView>(EntitlementSubjects.getEntitlements, { email, domain } satisfies GetEntitlementsQuery);
    expect(view).toMatchObject({ ok: true, value: { tier: 'free', status: 'past_due', paymentPastDue: true, offeringId: 'builder_monthly', subscriptionId: 'sub_int_3' } });
    const check = (query: Omit<CheckEntitlementQuery, 'domain'>) => harness.request<EntitlementCheckResult>(EntitlementSubjects.checkEntitlement, { domain, ...query });
    expect(await check({ email, feature: 'scheduled_runs' })).toMatchObject({ ok: true, value: { allowed: false, code: 'payment_past_due' } });
    expect(await check({ email: 'nobody-int@example.com', feature: 'workspaces', requested: 1, inUse: 0 })).toMatchObject({ ok: true, value: { allowed: true, limit: 1, remaining: 0, tier: 'free', status: 'none' } });
    expect(await check({ email: 'nobody-int@example.com', feature: 'workspaces', requested: 1, inUse: 1 })).toMatchObject({ ok: true, value: { allowed: false, code: 'LIMIT_REACHED' } });
    expect(await check({ email: 'nobody-int@example.com', feature: 'Bad Name' })).toMatchObject({ ok: false, refusal: { code: 'validation_failed' } });
  });
});
