/**
 * Stripe Connect in the ledger, over real NATS and PostgreSQL: credits bought on a connected
 * builder's domain are spendable on that builder's other domains only; the domain → account
 * mapping comes from billing's connected-account-updated events and survives a disconnection; a
 * domain reconnected with a new account keeps the credits bought on the old one;
 * refunds work on scoped lots; replay rebuilds the scope.
 */
import { accountStreamId, BillingEventSubjects, ConnectedAccountUpdatedV1, LedgerSubjects, PaymentSucceededV1, PlanCreditsGrantedV1, Reply } from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import { Client } from 'pg';
import { loadAccountsForBatch } from './credit-accounts/state-rows';
import { useLedgerHarness } from './test/ledger-harness';

const ledger = useLedgerHarness({ name: 'ledger-connect-test', databasePrefix: 'ledgerconnect' });
const { send, ok, publish } = ledger;

// Builder acct_builderA runs a.test and b.test; builder acct_builderB runs c.test; p.test is on the platform.
const accountA = 'acct_builderA';
const accountB = 'acct_builderB';

async function spendable(email: string, domain: string): Promise<number> {
  return (await ok<{ balance: number }>(LedgerSubjects.getBalance, { email, domain })).balance;
}
async function connectAccount(update: ConnectedAccountUpdatedV1, msgID: string): Promise<void> {
  await publish(BillingEventSubjects.connectedAccountUpdated, update, msgID);
  await eventually(`mapping of ${update.accountId}`, async () => {
    const { rows } = await ledger.db.query('SELECT domain FROM ledger_connected_domains WHERE account_id = $1 AND status = $2', [update.accountId, update.status]);
    return update.domains.every((d) => rows.some((r) => r.domain === d));
  });
}
async function buy(email: string, domain: string, credits: number, session: string, connectedAccountId: string | null): Promise<void> {
  const p: PaymentSucceededV1 = {
    stripeEventId: `evt_${session}`, checkoutSessionId: session, paymentIntentId: `pi_${session}`, domain, offeringId: 'pack', email, credits,
    amountMinor: credits * 100, currency: 'usd', scopeDomain: null, paidAt: new Date().toISOString(),
    connectedAccountId, applicationFeeMinor: connectedAccountId ? credits * 10 : null,
  };
  const before = (await ok<{ balance: number }>(LedgerSubjects.getBalance, { email })).balance;
  await publish(BillingEventSubjects.paymentSucceeded, p, p.stripeEventId);
  await eventually(`purchase ${session}`, async () => (await ok<{ balance: number }>(LedgerSubjects.getBalance, { email })).balance === before + credits);
}
const consume = (email: string, domain: string, credits: number, referenceId: string) => send(LedgerSubjects.consumeCredits, { email, domain, credits, actionType: 'gen', referenceId });
const update = (accountId: string, domains: string[], status: ConnectedAccountUpdatedV1['status'], at = new Date().toISOString()): ConnectedAccountUpdatedV1 => ({
  accountId, domains, status, chargesEnabled: status === 'ready', detailsSubmitted: status !== 'onboarding', at,
});

beforeAll(async () => {
  await connectAccount(update(accountA, ['a.test', 'b.test'], 'ready'), 'evt_acct_a_ready');
  await connectAccount(update(accountB, ['c.test'], 'ready'), 'evt_acct_b_ready');
});

describe('credits scoped to a connected Stripe account, on real PostgreSQL and NATS', () => {
  const email = 'scoped@example.com';

  it("spends a builder's credits on its other domain and refuses them on another builder's domain and on the platform", async () => {
    await buy(email, 'a.test', 10, 'cs_connect_a', accountA);
    const { rows } = await ledger.db.query('SELECT scope_account FROM ledger_lots WHERE lot_id = $1', ['lot_cs_connect_a']);
    expect(rows[0].scope_account).toBe(accountA);
    // The purchase event carries the scope and the platform's fee (analytics' gross, fee and net come from it).
    const purchased = await ledger.db.query(`SELECT data FROM ledger_events WHERE type = 'CreditsPurchased' AND data->>'lotId' = 'lot_cs_connect_a'`);
    expect(purchased.rows[0].data).toMatchObject({ scopeAccount: accountA, applicationFeeMinor: 100, amountMinor: 1000 });
    expect(await ok(LedgerSubjects.consumeCredits, { email, domain: 'b.test', credits: 4, actionType: 'gen', referenceId: 'b-1' })).toMatchObject({ balance: 6, repeated: false });
    expect(await consume(email, 'c.test', 1, 'c-1')).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    expect(await consume(email, 'p.test', 1, 'p-1')).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    expect(await send(LedgerSubjects.reserveCredits, { email, domain: 'c.test', credits: 1, referenceId: 'job-c', ttlSeconds: 60 })).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    // The balance per domain shows it: spendable, and listed, only where the lot may be spent.
    expect(await Promise.all(['a.test', 'b.test', 'c.test', 'p.test'].map((d) => spendable(email, d)))).toEqual([6, 6, 0, 0]);
    const onC = await ok(LedgerSubjects.getBalance, { email, domain: 'c.test' });
    expect(onC.lots).toEqual([]);
    const onB = await ok(LedgerSubjects.getBalance, { email, domain: 'b.test' });
    expect(onB.lots).toHaveLength(1);
    expect((await ok(LedgerSubjects.getBalance, { email })).balance).toBe(6);
  });

  it('spends platform credits everywhere next to scoped ones, and consumes in a batch without a scoped lot as before', async () => {
    await buy(email, 'p.test', 3, 'cs_connect_platform', null);
    expect(await Promise.all(['a.test', 'c.test', 'p.test'].map((d) => spendable(email, d)))).toEqual([9, 3, 3]);
    expect(await consume(email, 'c.test', 4, 'c-2')).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    expect(await ok(LedgerSubjects.consumeCredits, { email, domain: 'c.test', credits: 3, actionType: 'gen', referenceId: 'c-3' })).toMatchObject({ balance: 6 });
    // One batch (one transaction): an account without scoped lots next to one with them.
    await buy('platform-only@example.com', 'p.test', 2, 'cs_connect_platform_only', null);
    const batch = await ok<{ results: Reply<{ balance: number }>[] }>(LedgerSubjects.consumeCreditsBatch, {
      commands: [
        { email: 'platform-only@example.com', domain: 'p.test', credits: 1, actionType: 'gen', referenceId: 'pb-1' },
        { email, domain: 'b.test', credits: 2, actionType: 'gen', referenceId: 'b-batch' },
        { email, domain: 'c.test', credits: 1, actionType: 'gen', referenceId: 'c-batch' },
      ],
    });
    expect(batch.results.map((r) => (r.ok ? r.value.balance : r.refusal.code))).toEqual([1, 4, 'insufficient_credits']);
    expect(await spendable(email, 'a.test')).toBe(4);
    expect(await spendable(email, 'c.test')).toBe(0);
  });

  it('reads the domain mapping only for a batch holding a scoped lot, once per batch (the consume hot path)', async () => {
    const statements: string[] = [];
    const recording = { query: (sql: string, parameters?: unknown[]) => { statements.push(sql); return ledger.db.query(sql, parameters); } } as unknown as Client;
    const entry = (who: string, domain: string, referenceId: string) => ({ streamId: accountStreamId(who), needs: { consumptions: [{ domain, referenceId }], reservationReference: { domain, referenceId }, spendDomains: [domain] } });
    const mappingReads = () => statements.filter((sql) => sql.includes('ledger_connected_domain')).length;
    await ledger.db.query('BEGIN');
    try {
      const platformOnly = await loadAccountsForBatch(recording, [entry('platform-only@example.com', 'p.test', 'x-1'), entry('platform-only@example.com', 'c.test', 'x-2')]);
      expect(mappingReads()).toBe(0);
      expect(platformOnly.get(accountStreamId('platform-only@example.com'))!.domainAccounts.size).toBe(0);
      const mixed = await loadAccountsForBatch(recording, [entry('platform-only@example.com', 'p.test', 'x-3'), entry(email, 'b.test', 'x-4'), entry(email, 'c.test', 'x-5')]);
      expect(mappingReads()).toBe(1);
      expect([...mixed.get(accountStreamId(email))!.domainAccounts].sort()).toEqual([['b.test', [accountA]], ['c.test', [accountB]]]);
    } finally {
      await ledger.db.query('ROLLBACK');
    }
  });

  it('refunds a consumption made on the builder\'s other domain back to the scoped lot, and the purchase as money', async () => {
    const refund = await ok(LedgerSubjects.refundConsumptions, { email, domain: 'b.test', refundRequestId: 'rr-connect-1', referenceIds: ['b-1'] });
    expect(refund).toMatchObject({ creditsRefunded: 4 });
    const before = await spendable(email, 'a.test');
    const money = await ok(LedgerSubjects.refundPurchase, { email, lotId: 'lot_cs_connect_a', refundRequestId: 'rr-connect-2' });
    expect(money.credits).toBeGreaterThan(0);
    expect(money).toMatchObject({ currency: 'usd', amountMinor: money.credits * 100 });
    expect(await spendable(email, 'a.test')).toBe(before - money.credits);
    expect(await spendable(email, 'c.test')).toBe(0);
  });

  it('keeps the scope after the builder disconnects: still spendable on its domains, never elsewhere', async () => {
    const other = 'after-disconnect@example.com';
    await buy(other, 'a.test', 5, 'cs_connect_before_deauth', accountA);
    // account.application.deauthorized: billing lists no domain; the ledger keeps the mapping.
    await publish(BillingEventSubjects.connectedAccountUpdated, update(accountA, [], 'disconnected'), 'evt_acct_a_deauthorized');
    await eventually('disconnection recorded', async () => {
      const { rows } = await ledger.db.query(`SELECT domain, account_id, status FROM ledger_connected_domains WHERE account_id = $1 ORDER BY domain`, [accountA]);
      return rows.length === 2 && rows.every((r) => r.status === 'disconnected');
    });
    expect(await consume(other, 'c.test', 1, 'c-after')).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    expect(await consume(other, 'p.test', 1, 'p-after')).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    expect(await ok(LedgerSubjects.consumeCredits, { email: other, domain: 'b.test', credits: 2, actionType: 'gen', referenceId: 'b-after' })).toMatchObject({ balance: 3 });
    // An update older than what the ledger holds (a redelivery out of order) changes nothing.
    await publish(BillingEventSubjects.connectedAccountUpdated, update(accountA, ['a.test', 'b.test'], 'ready', '2020-01-01T00:00:00.000Z'), 'evt_acct_a_stale');
    await connectAccount(update(accountB, ['c.test'], 'restricted'), 'evt_acct_b_restricted');
    const { rows } = await ledger.db.query(`SELECT status FROM ledger_connected_domains WHERE account_id = $1`, [accountA]);
    expect(rows.map((r) => r.status)).toEqual(['disconnected', 'disconnected']);
  });

  it('keeps the credits of a domain that reconnects with a new account after a deauthorisation, never on a domain only ever on another account', async () => {
    const before = 'acct_reconnectOld';
    const after = 'acct_reconnectNew';
    const other = 'acct_reconnectOther';
    const customer = 'reconnect@example.com';
    await connectAccount(update(before, ['r.test'], 'ready'), 'evt_r_old_ready');
    await connectAccount(update(other, ['o.test'], 'ready'), 'evt_o_ready');
    await buy(customer, 'r.test', 6, 'cs_reconnect_old', before);
    await publish(BillingEventSubjects.connectedAccountUpdated, update(before, [], 'disconnected'), 'evt_r_old_deauthorized');
    await eventually('old account disconnected', async () => (await ledger.db.query(`SELECT status FROM ledger_connected_domains WHERE domain = 'r.test'`)).rows[0]?.status === 'disconnected');
    // The builder onboards again: a new account for r.test and a new domain s.test.
    await connectAccount(update(after, ['r.test', 's.test'], 'ready'), 'evt_r_new_ready');
    const { rows } = await ledger.db.query(`SELECT account_id FROM ledger_connected_domains WHERE domain = 'r.test'`);
    expect(rows.map((r) => r.account_id)).toEqual([after]);
    expect(await ok(LedgerSubjects.consumeCredits, { email: customer, domain: 'r.test', credits: 2, actionType: 'gen', referenceId: 'r-after-reconnect' })).toMatchObject({ balance: 4 });
    // s.test was only ever on the new account, o.test only on another: the old account's credits are not theirs.
    expect(await consume(customer, 's.test', 1, 's-old-credits')).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    expect(await consume(customer, 'o.test', 1, 'o-old-credits')).toMatchObject({ ok: false, refusal: { code: 'insufficient_credits' } });
    expect(await send(LedgerSubjects.reserveCredits, { email: customer, domain: 'r.test', credits: 1, referenceId: 'job-r', ttlSeconds: 60 })).toMatchObject({ ok: true });
    expect(await Promise.all(['r.test', 's.test', 'o.test'].map((d) => spendable(customer, d)))).toEqual([3, 0, 0]);
    // Credits bought on the new account: spendable on both its domains.
    await buy(customer, 's.test', 5, 'cs_reconnect_new', after);
    expect(await Promise.all(['r.test', 's.test', 'o.test'].map((d) => spendable(customer, d)))).toEqual([8, 5, 0]);
    // A redelivered old update (older than the mapping) does not move r.test back, and the history keeps both accounts.
    await publish(BillingEventSubjects.connectedAccountUpdated, update(before, ['r.test'], 'ready', '2020-01-01T00:00:00.000Z'), 'evt_r_old_stale');
    await connectAccount(update(other, ['o.test'], 'restricted'), 'evt_o_restricted');
    expect((await ledger.db.query(`SELECT account_id FROM ledger_connected_domains WHERE domain = 'r.test'`)).rows.map((r) => r.account_id)).toEqual([after]);
    const history = await ledger.db.query(`SELECT account_id FROM ledger_connected_domain_accounts WHERE domain = 'r.test' ORDER BY first_connected_at`);
    expect(history.rows.map((r) => r.account_id)).toEqual([before, after]);
  });

  it("scopes a plan's credits granted on a connected account, and ignores a malformed account update", async () => {
    const grant: PlanCreditsGrantedV1 = {
      stripeEventId: 'evt_plan_connect', grantId: 'plan:sub_connect:1', subscriptionId: 'sub_connect', invoiceId: 'in_1', email: 'plan@example.com',
      domain: 'c.test', offeringId: 'pro', credits: 7, periodStart: new Date().toISOString(), periodEnd: new Date(Date.now() + 86_400_000).toISOString(),
      expiresAt: null, grantedAt: new Date().toISOString(), connectedAccountId: accountB,
    };
    await publish(BillingEventSubjects.planCreditsGranted, grant, grant.stripeEventId);
    await eventually('plan grant', async () => (await spendable('plan@example.com', 'c.test')) === 7);
    expect(await spendable('plan@example.com', 'a.test')).toBe(0);
    await publish(BillingEventSubjects.connectedAccountUpdated, { accountId: 'not-an-account', domains: ['x.test'], status: 'ready', chargesEnabled: true, detailsSubmitted: true, at: new Date().toISOString() }, 'evt_bad_account');
    await publish(BillingEventSubjects.connectedAccountUpdated, update(accountB, ['Z.Test'], 'ready'), 'evt_acct_b_z');
    await eventually('later update applied', async () => (await ledger.db.query(`SELECT 1 FROM ledger_connected_domains WHERE domain = 'z.test'`)).rowCount === 1);
    expect((await ledger.db.query(`SELECT 1 FROM ledger_connected_domains WHERE domain = 'x.test'`)).rowCount).toBe(0);
  });

  it('replays the scoped lots into projections equal to the live ones (0 differences)', async () => {
    await ledger.expectReplayClean();
    const { rows } = await ledger.db.query(`SELECT count(*)::int AS n FROM ledger_lots WHERE scope_account IS NOT NULL`);
    expect(rows[0].n).toBeGreaterThanOrEqual(3);
  });
});
