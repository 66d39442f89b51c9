/**
 * Analytics end to end on the real services: purchases, consumptions of two action types and a
 * credit refund with feedback go through the gateway; the analytics read models (fed only from
 * JetStream) answer `/api/analytics/{summary,credits,revenue,conversion,refunds,feedback}`; their
 * numbers equal the ledger's own totals (its events table); `replay:analytics` rebuilds them from
 * the streams and finds them equal to the live ones. A builder key over demo.localhost and
 * notes.localhost reads both (totals equal the ledger's over both domains, breakdowns per domain),
 * is refused elsewhere (403 builder_key_not_allowed) and signs in to the dashboard.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { connect } from 'nats';
import { Client } from 'pg';
import { CreditHubClient } from '@credit-hub/sdk';
import { createBuilderKey, createDomainKey, eventually, gatewayRequest, hubClient, lastStatus, repoRoot as root, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';


type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `an${suffix}`;
const prefix = `test_an_${suffix}`;
let system: System;
let demoKey: string;
let notesKey: string;
let builderKey: string;
let demo: CreditHubClient;
let notes: CreditHubClient;
let builder: CreditHubClient;

async function buy(email: string, offeringId: string, domain = 'demo.localhost', hub = demo): Promise<void> {
  const checkout = await hub.createCheckout({ domain, offeringId, email, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/no' });
  expect(lastStatus(hub)).toBe(200);
  const completed = await stripeStandin(system).completeCheckout(checkout.sessionId);
  expect(completed.status).toBe(200);
}

async function consume(email: string, credits: number, actionType: string, domain = 'demo.localhost', hub = demo): Promise<void> {
  await eventually(`${email} can consume ${credits}`, async () => {
    await hub.consumeCredits({ email, domain, deltaCredits: -credits, actionType, referenceId: `gen_${randomUUID()}` });
    return lastStatus(hub) === 200;
  });
}

async function ledgerRows<T>(sql: string, parameters: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: system.databases.ledger });
  await db.connect();
  try {
    return (await db.query(sql, parameters)).rows as T[];
  } finally {
    await db.end();
  }
}

function runAnalyticsReplay(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), join(root, 'dist/apps/feedback-analytics/src/cli/replay-analytics.main.js'), ...args], {
      cwd: root,
      env: { ...system.env, ANALYTICS_DATABASE_URL: system.databases.analytics },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix });
  demoKey = await createDomainKey(system, 'demo.localhost');
  notesKey = await createDomainKey(system, 'notes.localhost');
  builderKey = await createBuilderKey(system, 'Demo Builder', ['demo.localhost', 'notes.localhost']);
  demo = hubClient(system, demoKey);
  notes = hubClient(system, notesKey);
  builder = hubClient(system, builderKey);
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('analytics read models, end to end', () => {
  const ada = `ada+${suffix}@example.com`;
  const bob = `bob+${suffix}@example.com`;
  let refundId: string;

  it('projects purchases, consumptions by action type and a refund with feedback', async () => {
    await buy(ada, 'pro_100');
    await buy(bob, 'starter_3');
    await consume(ada, 7, 'ai_generation');
    await consume(ada, 3, 'ai_summary');
    await consume(bob, 2, 'ai_generation');
    // A credit refund through the portal form, with its feedback.
    const session = await demo.createPortalSession({ email: ada, domain: 'demo.localhost', returnUrl: 'https://demo.localhost/account' });
    expect(lastStatus(demo)).toBe(200);
    await eventually('the portal lists the consumptions', async () => (await (await fetch(session.url)).text()).includes('ai_summary'));
    const form = new URLSearchParams({
      requestKey: randomUUID(), kind: 'credits', lotId: '', tried: 'Summaries of quarterly reports', didNotWork: 'It missed the key numbers',
      wouldBringBack: 'Tables read correctly!', category: 'quality', rating: '2',
    });
    const submitted = await fetch(`${session.url}/refunds`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    expect(submitted.status).toBe(200);
    const requests = await demo.getRefundRequests({ domain: 'demo.localhost' });
    refundId = requests.items.find((r) => r.email === ada.toLowerCase())!.id;

    await eventually('the refund reaches the read models', async () => {
      const summary = await demo.getAnalyticsSummary();
      return lastStatus(demo) === 200 && summary.credits.refunded > 0 && summary.refunds.count === 1 && summary.credits.consumed === 12;
    });
    const summary = await demo.getAnalyticsSummary();
    expect(summary.credits).toMatchObject({ purchased: 103, consumed: 12, granted: 0, expired: 0 });
    // sessions created come from billing's checkout-created, completed ones from CreditsPurchased
    expect(summary.conversion.checkout).toEqual({ created: 2, completed: 2, rate: 1 });

    const credits = await demo.getAnalyticsCredits();
    const consumedBy = (action: string) => credits.rows.filter((r) => r.kind === 'consumed' && r.actionType === action).reduce((sum, r) => sum + r.credits, 0);
    expect(consumedBy('ai_generation')).toBe(9);
    expect(consumedBy('ai_summary')).toBe(3);

    const refunds = await demo.getAnalyticsRefunds();
    expect(refunds.byCategory).toEqual([{ category: 'quality', count: 1 }]);
    expect(refunds.wouldBringBack).toEqual([{ text: 'tables read correctly', count: 1 }]);
    expect(refunds.rate).toBeCloseTo(refunds.creditsRefunded / 12);

    const found = (await demo.getAnalyticsFeedback({ q: 'quarterly reports' })).items;
    expect(found.map((i: { refundRequestId: string }) => i.refundRequestId)).toEqual([refundId]);
    expect((await demo.getAnalyticsFeedback({ q: 'nothing-like-this' })).items).toEqual([]);
    // The existing usage API is unchanged.
    expect((await demo.getAnalyticsUsage()).totals).toMatchObject({ creditsConsumed: 12, creditsPurchased: 103, purchases: 2 });
  }, 120_000);

  it('agrees with the ledger’s own totals (its events table)', async () => {
    const [totals] = await ledgerRows<{ consumed: string; purchased: string; refunded: string }>(
      `SELECT COALESCE(sum((data->>'credits')::bigint) FILTER (WHERE type IN ('CreditsConsumed', 'ReservationCaptured')), 0)::text AS consumed,
              COALESCE(sum((data->>'credits')::bigint) FILTER (WHERE type = 'CreditsPurchased'), 0)::text AS purchased,
              COALESCE(sum((data->>'credits')::bigint) FILTER (WHERE type = 'ConsumptionRefunded'), 0)::text AS refunded
         FROM ledger_events WHERE data->>'domain' = 'demo.localhost'`,
    );
    const summary = await demo.getAnalyticsSummary();
    expect(summary.credits.consumed).toBe(Number(totals.consumed));
    expect(summary.credits.purchased).toBe(Number(totals.purchased));
    expect(summary.credits.refunded).toBe(Number(totals.refunded));
    // Revenue: per consumption event, floor(Σ lot amount × drawn credits / lot credits), from the ledger's events.
    const lots = new Map((await ledgerRows<{ data: { lotId: string; amountMinor: number; credits: number } }>(`SELECT data FROM ledger_events WHERE type = 'CreditsPurchased'`)).map((r) => [r.data.lotId, r.data]));
    const revenueOf = (draws: { lotId: string; credits: number }[]) => Math.floor(draws.reduce((s, d) => s + (lots.get(d.lotId)!.amountMinor * d.credits) / lots.get(d.lotId)!.credits, 0));
    const consumptions = await ledgerRows<{ data: { draws: { lotId: string; credits: number }[] } }>(`SELECT data FROM ledger_events WHERE type IN ('CreditsConsumed', 'ReservationCaptured')`);
    const reversals = await ledgerRows<{ data: { draws: { lotId: string; credits: number }[] } }>(`SELECT data FROM ledger_events WHERE type = 'ConsumptionRefunded'`);
    const recognised = consumptions.reduce((s, r) => s + revenueOf(r.data.draws), 0);
    const reversed = reversals.reduce((s, r) => s + revenueOf(r.data.draws), 0);
    expect(recognised).toBeGreaterThan(0);
    // Sales: the domain's purchases as paid, less the platform's Stripe Connect fee (none on the platform).
    const [sales] = await ledgerRows<{ gross: string; fee: string }>(
      `SELECT COALESCE(sum((data->>'amountMinor')::bigint), 0)::text AS gross, COALESCE(sum((data->>'applicationFeeMinor')::bigint), 0)::text AS fee
         FROM ledger_events WHERE type = 'CreditsPurchased' AND data->>'domain' = 'demo.localhost'`,
    );
    expect(Number(sales.gross)).toBeGreaterThan(0);
    expect(summary.revenue).toEqual([{
      currency: 'usd', recognisedMinor: recognised, reversedMinor: reversed, refundedMinor: 0, netMinor: recognised - reversed,
      grossSalesMinor: Number(sales.gross), platformFeeMinor: Number(sales.fee), netSalesMinor: Number(sales.gross) - Number(sales.fee),
    }]);
  }, 60_000);

  it('answers problem+json for a bad range and another domain', async () => {
    expect(await gatewayRequest(system, 'GET', '/api/analytics/revenue?from=2026-02-30', { apiKey: demoKey })).toMatchObject({ status: 400, type: expect.stringContaining('application/problem+json'), body: { code: 'validation_failed', field: 'from' } });
    await expect(demo.getAnalyticsConversion({ from: '2026-11-02', to: '2026-11-01' })).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    await expect(notes.getAnalyticsRefunds({ domain: 'demo.localhost' })).rejects.toMatchObject({ status: 403, code: 'forbidden_domain' });
    // No key at all: the SDK always sends one, so this one goes by hand.
    expect(await gatewayRequest(system, 'GET', '/api/analytics/summary', { apiKey: null })).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect((await notes.getAnalyticsSummary()).credits.consumed).toBe(0);
    expect((await demo.getAnalyticsRevenue({ from: '2000-01-01', to: '2000-01-02' })).rows).toEqual([]);
  });

  it('a builder key reads both its domains (totals equal the ledger’s over both, breakdowns per domain) and nothing else', async () => {
    const cy = `cy+${suffix}@example.com`;
    await buy(cy, 'notes_50', 'notes.localhost', notes);
    await consume(cy, 5, 'note_summary', 'notes.localhost', notes);
    await eventually('notes’ consumption reaches the read models', async () => (await notes.getAnalyticsSummary())?.credits?.consumed === 5);

    const both = await builder.getAnalyticsSummary();
    expect(both.domains).toEqual(['demo.localhost', 'notes.localhost']);
    // The ledger's own totals over both domains.
    const ledgerTotals = async (domains: string[]) => {
      const [totals] = await ledgerRows<{ consumed: string; purchased: string; refunded: string }>(
        `SELECT COALESCE(sum((data->>'credits')::bigint) FILTER (WHERE type IN ('CreditsConsumed', 'ReservationCaptured')), 0)::text AS consumed,
                COALESCE(sum((data->>'credits')::bigint) FILTER (WHERE type = 'CreditsPurchased'), 0)::text AS purchased,
                COALESCE(sum((data->>'credits')::bigint) FILTER (WHERE type = 'ConsumptionRefunded'), 0)::text AS refunded
           FROM ledger_events WHERE data->>'domain' = ANY($1::text[])`,
        [domains],
      );
      return { consumed: Number(totals.consumed), purchased: Number(totals.purchased), refunded: Number(totals.refunded) };
    };
    const ledgerBoth = await ledgerTotals(['demo.localhost', 'notes.localhost']);
    expect(ledgerBoth.consumed).toBe(17);
    expect(both.credits).toMatchObject(ledgerBoth);
    // Revenue per domain and currency, from the ledger's events: floor(Σ lot amount × drawn credits / lot credits) per consumption.
    const lots = new Map((await ledgerRows<{ data: { lotId: string; domain: string; amountMinor: number; credits: number; currency: string } }>(`SELECT data FROM ledger_events WHERE type = 'CreditsPurchased'`)).map((r) => [r.data.lotId, r.data]));
    const expected = new Map<string, { recognisedMinor: number; reversedMinor: number }>();
    for (const [type, column] of [['CreditsConsumed', 'recognisedMinor'], ['ConsumptionRefunded', 'reversedMinor']] as const) {
      for (const { data } of await ledgerRows<{ data: { draws: { lotId: string; credits: number }[] } }>(`SELECT data FROM ledger_events WHERE type = $1`, [type])) {
        const lot = lots.get(data.draws[0]!.lotId)!;
        const key = `${lot.domain}/${lot.currency.toLowerCase()}`;
        const entry = expected.get(key) ?? { recognisedMinor: 0, reversedMinor: 0 };
        entry[column] += Math.floor(data.draws.reduce((sum, d) => sum + (lots.get(d.lotId)!.amountMinor * d.credits) / lots.get(d.lotId)!.credits, 0));
        expected.set(key, entry);
      }
    }
    const revenue = await builder.getAnalyticsRevenue();
    expect(revenue.byDomain.map((t: { domain: string; currency: string; recognisedMinor: number; reversedMinor: number }) => [`${t.domain}/${t.currency}`, { recognisedMinor: t.recognisedMinor, reversedMinor: t.reversedMinor }]))
      .toEqual([...expected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(revenue.byDomain.map((t: { domain: string }) => t.domain)).toEqual(['demo.localhost', 'notes.localhost']);
    const credits = await builder.getAnalyticsCredits();
    for (const domain of ['demo.localhost', 'notes.localhost']) {
      expect(credits.byDomain.find((d) => d.domain === domain)!.totals).toMatchObject(await ledgerTotals([domain]));
    }
    expect(new Set(credits.rows.map((r: { domain: string }) => r.domain))).toEqual(new Set(['demo.localhost', 'notes.localhost']));
    expect((await builder.getAnalyticsUsage()).totals).toMatchObject({ creditsConsumed: 17 });

    // Narrowed to one of its domains (also repeated or comma-separated); never another builder's.
    const notesOnly = await builder.getAnalyticsSummary({ domain: 'notes.localhost' });
    expect(notesOnly).toEqual(await notes.getAnalyticsSummary());
    // The repeated and the comma-separated forms are query strings the SDK does not write: sent by hand.
    expect((await gatewayRequest(system, 'GET', '/api/analytics/summary?domain=notes.localhost&domain=demo.localhost', { apiKey: builderKey })).body).toEqual(both);
    expect((await gatewayRequest(system, 'GET', '/api/analytics/summary?domain=notes.localhost,demo.localhost', { apiKey: builderKey })).body).toEqual(both);
    expect(await gatewayRequest(system, 'GET', '/api/analytics/refunds?domain=elsewhere.localhost', { apiKey: builderKey })).toMatchObject({ status: 403, type: expect.stringContaining('application/problem+json'), body: { code: 'forbidden_domain' } });
    expect(await gatewayRequest(system, 'GET', '/api/analytics/refunds?domain=', { apiKey: builderKey })).toMatchObject({ status: 400, body: { code: 'validation_failed' } });
    // A domain key still reads only its own domain, named or not.
    expect(await gatewayRequest(system, 'GET', '/api/analytics/summary?domain=notes.localhost,demo.localhost', { apiKey: demoKey })).toMatchObject({ status: 403, body: { code: 'forbidden_domain' } });

    // A builder key never acts: consume, refund requests, checkout are refused, and nothing changes.
    const consumed = await gatewayRequest(system, 'POST', '/api/portfolio/credits/consume', { apiKey: builderKey, body: { email: cy, domain: 'notes.localhost', deltaCredits: -1, actionType: 'x', referenceId: `gen_${randomUUID()}` } });
    expect(consumed).toMatchObject({ status: 403, type: expect.stringContaining('application/problem+json'), body: { code: 'builder_key_not_allowed' } });
    await expect(builder.getRefundRequests({ domain: 'notes.localhost' })).rejects.toMatchObject({ status: 403, code: 'builder_key_not_allowed' });
    await expect(builder.createCheckout({ domain: 'notes.localhost', offeringId: 'notes_50', email: cy, successUrl: 'http://localhost/ok', cancelUrl: 'http://localhost/no' }))
      .rejects.toMatchObject({ status: 403, code: 'builder_key_not_allowed' });
    expect((await ledgerTotals(['notes.localhost'])).consumed).toBe(5);
  }, 120_000);

  it('shows the dashboard in Chromium: sign in with the key (cookie, not URL), charts drawn with data, filters, search', async () => {
    const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
    const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-analytics-'));
    const browser = await chromium.launchPersistentContext(userDataDir, { executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', headless: true, args: chromiumFlags, locale: 'en-US' });
    try {
      const page = await browser.newPage();
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${system.urls.gateway}/dashboard`);
      await page.fill('#apiKey', 'chk_dom_not_a_key');
      await page.click('button[type=submit]');
      expect(await page.textContent('#sign-in-error')).toContain('not a live API key');
      await page.fill('#apiKey', demoKey);
      await page.click('button[type=submit]');
      await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
      expect(page.url()).toBe(`${system.urls.gateway}/dashboard`);
      expect(page.url()).not.toContain(demoKey);
      const [cookie] = (await browser.cookies()).filter((c) => c.name === 'chd_session');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
      expect(await page.evaluate(() => (globalThis as any).document.cookie as string)).not.toContain('chd_session');
      // Every chart is drawn with the read models' data.
      const drawn = await page.evaluate(() => {
        const browserGlobal = globalThis as any;
        const chartOf = (id: string) => browserGlobal.Chart.getChart(browserGlobal.document.getElementById(id));
        return Object.fromEntries(['chart-usage', 'chart-funnel', 'chart-refunds', 'chart-categories', 'chart-revenue'].map((id) => {
          const chart = chartOf(id);
          return [id, chart ? chart.data.datasets.map((d: { label?: string; data: number[] }) => ({ label: d.label ?? null, sum: d.data.reduce((a, b) => a + b, 0) })) : null];
        }));
      });
      expect(drawn['chart-usage']).toEqual(expect.arrayContaining([{ label: 'ai_generation', sum: 9 }, { label: 'ai_summary', sum: 3 }]));
      expect(drawn['chart-funnel']?.[0].sum).toBeGreaterThan(0);
      expect(drawn['chart-refunds']?.[0]).toEqual({ label: 'refunds', sum: 1 });
      expect(drawn['chart-categories']).toEqual([{ label: null, sum: 1 }]);
      expect(drawn['chart-revenue']?.[0].sum).toBeGreaterThan(0);
      expect(await page.locator(`#requests tr[data-id="${refundId}"]`).count()).toBe(1);
      expect(await page.textContent('#bring-back')).toContain('tables read correctly');
      // Money as money: the net revenue in the currency's own format, never minor units.
      const revenue = (await demo.getAnalyticsRevenue()) as { totals: { currency: string; netMinor: number }[] };
      const usd = revenue.totals.find((t) => t.currency === 'usd')!;
      expect(usd.netMinor).toBeGreaterThan(0);
      const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(usd.netMinor / 100);
      const totalsText = (await page.textContent('#totals')) ?? '';
      expect(totalsText).toContain(`${dollars}net revenue (USD)`);
      // Sales: gross, platform fee and net, as money (the demo domain sells on the platform: fee 0, net = gross).
      const sales = (revenue.totals as unknown as { currency: string; grossSalesMinor: number; platformFeeMinor: number; netSalesMinor: number }[]).find((t) => t.currency === 'usd')!;
      const asDollars = (minor: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(minor / 100);
      expect(sales.grossSalesMinor).toBeGreaterThan(0);
      expect(totalsText).toContain(`${asDollars(sales.grossSalesMinor)}gross sales (USD)`);
      expect(totalsText).toContain(`${asDollars(sales.platformFeeMinor)}platform fee (USD)`);
      expect(totalsText).toContain(`${asDollars(sales.netSalesMinor)}net sales (USD)`);
      const salesChart = await page.evaluate(() => {
        const browserGlobal = globalThis as any;
        const chart = browserGlobal.Chart.getChart(browserGlobal.document.getElementById('chart-sales-domains'));
        return chart.data.datasets.map((d: { label: string; yAxisID: string; data: number[] }) => [d.label, d.yAxisID, d.data.reduce((a, b) => a + b, 0)]);
      });
      expect(salesChart).toEqual([
        ['gross sales (USD)', 'y_usd', sales.grossSalesMinor], ['platform fee (USD)', 'y_usd', sales.platformFeeMinor], ['net sales (USD)', 'y_usd', sales.netSalesMinor],
      ]);
      expect(totalsText).not.toMatch(new RegExp(`(^|[^0-9.,])${usd.netMinor}([^0-9.,]|$)`));
      expect(totalsText).not.toContain('minor units');
      const axes = await page.evaluate(() => {
        const browserGlobal = globalThis as any;
        const chartOf = (id: string) => browserGlobal.Chart.getChart(browserGlobal.document.getElementById(id));
        const revenueChart = chartOf('chart-revenue');
        const refundsChart = chartOf('chart-refunds');
        return {
          revenueAxes: revenueChart.data.datasets.map((d: { yAxisID: string }) => d.yAxisID),
          revenueTicks: revenueChart.scales['y_usd'].ticks.map((t: { label: string }) => t.label),
          refundAxes: refundsChart.data.datasets.map((d: { label: string; yAxisID: string; data: number[] }) => [d.label, d.yAxisID, d.data.reduce((a, b) => a + b, 0)]),
          creditsRefunded: Number(browserGlobal.document.querySelector('#totals [data-stat="credits refunded"] strong').textContent),
        };
      });
      expect(axes.revenueAxes).toEqual(['y_usd']);
      expect(axes.revenueTicks.every((label: string) => label.startsWith('$'))).toBe(true);
      // Counts and credits on their own axes; the chart's credits refunded add up to the header's.
      expect(axes.refundAxes).toEqual([['refunds', 'y', 1], ['credits refunded', 'y1', axes.creditsRefunded]]);
      expect(axes.creditsRefunded).toBeGreaterThan(0);
      expect(await page.textContent('#requests-table thead')).toContain('What they tried');
      expect(await page.textContent(`#requests tr[data-id="${refundId}"]`)).toContain('Summaries of quarterly reports');
      expect(pageErrors).toEqual([]);
      // Filter the refund requests, then search the feedback.
      await page.selectOption('#category', 'price');
      await page.click('#requests-filter button');
      await page.waitForSelector('body[data-ready="1"]');
      expect(await page.locator('#requests tr').count()).toBe(0);
      await page.selectOption('#category', 'quality');
      await page.click('#requests-filter button');
      await page.waitForSelector('body[data-ready="1"]');
      expect(await page.locator('#requests tr').count()).toBe(1);
      await page.fill('#q', 'nothing-like-this');
      await page.click('#search button');
      await page.waitForSelector('body[data-ready="1"]');
      expect(await page.locator('#feedback li').count()).toBe(0);
      await page.fill('#q', 'quarterly');
      await page.click('#search button');
      await page.waitForSelector('body[data-ready="1"]');
      expect(await page.textContent('#feedback')).toContain('Summaries of quarterly reports');
      mkdirSync(join(root, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(root, 'test-artifacts', 'analytics-dashboard.png'), fullPage: true });
      // The data endpoints need the cookie.
      expect((await fetch(`${system.urls.gateway}/dashboard/data/summary`)).status).toBe(401);
    } finally {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('shows a builder key’s two domains in Chromium: charts by domain, a domain filter', async () => {
    const chromiumFlags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
    const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-analytics-builder-'));
    const browser = await chromium.launchPersistentContext(userDataDir, { executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', headless: true, args: chromiumFlags });
    type Drawn = { labels: string[]; datasets: { label: string | null; data: number[] }[] };
    const chartSums = async (page: import('playwright-core').Page, ids: string[]): Promise<Record<string, Drawn>> =>
      page.evaluate((chartIds) => {
        const browserGlobal = globalThis as any;
        return Object.fromEntries(chartIds.map((id: string) => {
          const chart = browserGlobal.Chart.getChart(browserGlobal.document.getElementById(id));
          return [id, chart ? { labels: chart.data.labels, datasets: chart.data.datasets.map((d: { label?: string; data: number[] }) => ({ label: d.label ?? null, data: d.data })) } : { labels: [], datasets: [] }];
        }));
      }, ids) as Promise<Record<string, Drawn>>;
    try {
      const page = await browser.newPage();
      await page.goto(`${system.urls.gateway}/dashboard`);
      await page.fill('#apiKey', builderKey);
      await page.click('button[type=submit]');
      await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
      expect(page.url()).toBe(`${system.urls.gateway}/dashboard`);
      expect(await page.textContent('#domain')).toBe('Demo Builder');
      expect(await page.textContent('#domains')).toBe('demo.localhost, notes.localhost');
      const all = await chartSums(page, ['chart-usage', 'chart-usage-domains', 'chart-revenue-domains']);
      expect(all['chart-usage-domains']).toMatchObject({ labels: ['demo.localhost', 'notes.localhost'], datasets: [{ label: 'consumed', data: [12, 5] }, { label: 'refunded', data: [expect.any(Number), 0] }] });
      const usageLabels = all['chart-usage']!.datasets.map((d) => d.label);
      expect(usageLabels).toEqual(expect.arrayContaining(['demo.localhost · ai_generation', 'demo.localhost · ai_summary', 'notes.localhost · note_summary']));
      const revenueByDomain = (await builder.getAnalyticsRevenue()).byDomain;
      expect(all['chart-revenue-domains']!.labels).toEqual(['demo.localhost', 'notes.localhost']);
      expect(all['chart-revenue-domains']!.datasets.map((d) => d.data.reduce((a, b) => a + b, 0)).reduce((a, b) => a + b, 0))
        .toBe(revenueByDomain.reduce((sum: number, t: { netMinor: number }) => sum + t.netMinor, 0));
      // Both domains' refund requests in the table.
      expect(await page.locator('#requests tr').count()).toBeGreaterThan(0);
      // Filter to notes.localhost: only its data.
      await page.selectOption('#domain-filter', 'notes.localhost');
      await page.click('#range button[type=submit]');
      await page.waitForSelector('body[data-ready="1"]');
      const notes = await chartSums(page, ['chart-usage', 'chart-usage-domains']);
      expect(notes['chart-usage']!.datasets).toEqual([{ label: 'note_summary', data: [5] }]);
      expect(notes['chart-usage-domains']!.labels).toEqual(['notes.localhost']);
      expect(await page.locator('#requests tr').count()).toBe(0); // no refund requests on notes.localhost
      mkdirSync(join(root, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(root, 'test-artifacts', 'analytics-dashboard-builder.png'), fullPage: true });
      // The filter is checked against the key, as on the API.
      const cookieHeader = (await browser.cookies()).filter((c) => c.name === 'chd_session').map((c) => `${c.name}=${c.value}`).join('; ');
      const other = await fetch(`${system.urls.gateway}/dashboard/data/summary?domain=elsewhere.localhost`, { headers: { cookie: cookieHeader } });
      expect(other.status).toBe(403);
    } finally {
      await browser.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('rebuilds the read models from the streams and finds them equal to the live ones', async () => {
    const before = await demo.getAnalyticsSummary();
    const replay = await runAnalyticsReplay([]);
    expect({ code: replay.code, stdout: replay.stdout, stderr: replay.stderr.slice(-500) }).toEqual({ code: 0, stdout: expect.stringContaining('verified'), stderr: expect.any(String) });
    expect(replay.stdout).toContain('verified: the rebuilt read models equal the live ones; nothing written');
    expect(await demo.getAnalyticsSummary()).toEqual(before);
    // A live row changed behind the projection's back is found by the next rebuild (exit 1), and --replace repairs it.
    const db = new Client({ connectionString: system.databases.analytics });
    await db.connect();
    await db.query(`UPDATE rm_credits_daily SET credits = credits + 1 WHERE kind = 'consumed' AND domain = 'demo.localhost' AND action_type = 'ai_summary'`);
    await db.end();
    const broken = await runAnalyticsReplay(['--domain', 'demo.localhost']);
    expect(broken.code).toBe(1);
    // The difference names the row (its key), the column, the live and the rebuilt value.
    expect(broken.stdout).toMatch(/DIFFERS rm_credits_daily domain=demo\.localhost day=\d{4}-\d{2}-\d{2} kind=consumed action_type=ai_summary: credits live (\d+), rebuilt (\d+)/);
    const [, live, rebuilt] = /credits live (\d+), rebuilt (\d+)/.exec(broken.stdout)!;
    expect(Number(live)).toBe(Number(rebuilt) + 1);
    const repaired = await runAnalyticsReplay(['--replace']);
    expect(repaired.code).toBe(1);
    expect(repaired.stdout).toContain('repaired 1 rows; every other row left as it was');
    expect(await demo.getAnalyticsSummary()).toEqual(before);
    expect((await runAnalyticsReplay([])).code).toBe(0);
  }, 120_000);
});
