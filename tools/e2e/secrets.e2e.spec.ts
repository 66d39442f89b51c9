/**
 * Secrets end to end, on the started system: no secret has a usable default (a service without
 * its secret, or with a value published in the repository, does not boot; a portal link signed
 * with the former public default opens nothing), and no secret reaches a log line, whatever the
 * level: after a dashboard sign-in and sign-out and abused portal links (a bad JSON body, a 150 KB
 * form, a malformed `%` escape in the path, tokens and keys in query strings), no service's log
 * holds the API key, the dashboard session id, the portal token or a configured secret.
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { call } from '../chaos/src/http';
import { retry } from '../chaos/src/load';
import { repoRoot } from '../chaos/src/system';
import { demo, fundedCustomer, SpecSystem, startSpecSystem } from '../chaos/src/spec-support';

const suffix = randomBytes(3).toString('hex');
const formerPortalDefault = 'dev-only-portal-token-secret-change-me-0123456789';

let spec: SpecSystem;

beforeAll(async () => {
  // Debug: what any level writes must hold no secret either.
  spec = await startSpecSystem('secrets', { env: { LOG_LEVEL: 'debug' } });
}, 120_000);

afterAll(async () => {
  await spec?.system.destroy();
}, 60_000);

/** Starts one service's compiled main with `env` (on top of a minimal environment); resolves its exit code and output, or 'running' after `waitMs`. */
function boot(main: string, env: Record<string, string>, waitMs = 20_000): Promise<{ code: number | 'running'; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', path.join(repoRoot, 'tools/scripts/register-paths.js'), path.join(repoRoot, main)], {
      cwd: repoRoot,
      // An unreachable database and NATS: a service that passes its configuration check fails later, differently.
      env: { PATH: process.env['PATH'] ?? '', NATS_URL: 'nats://127.0.0.1:1', HUB_NAMESPACE: `secrets${suffix}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: 'running', output });
    }, waitMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

/** A portal link for `email` signed with `secret` in the v1 and v2 formats, as anyone knowing the secret could make it. */
function forgedLinks(email: string, secret: string): string[] {
  const claims = Buffer.from(JSON.stringify({ e: email, d: demo, r: 'https://example.com', x: 253402300799 })).toString('base64url');
  const hmac = (input: string) => createHmac('sha256', secret).update(input, 'utf8').digest('base64url');
  const keyId = createHash('sha256').update(`credit-hub portal token key\0${secret}`).digest('base64url').slice(0, 11); // apps/refunds portalTokenKeyId
  return [`v1.${claims}.${hmac(`v1.${claims}`)}`, `v2.${keyId}.${claims}.${hmac(`v2.${keyId}.${claims}`)}`];
}

describe('no secret has a usable default', () => {
  const refundsMain = 'dist/apps/refunds/src/main.js';
  const billingMain = 'dist/apps/billing/src/main.js';
  const refundsEnv = { REFUNDS_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/hub_refunds_secrets', REFUNDS_HTTP_PORT: '0' };
  const billingEnv = {
    BILLING_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/hub_billing_secrets', BILLING_HTTP_PORT: '0',
    STRIPE_SECRET_KEY: `sk_test_${randomBytes(24).toString('hex')}`, STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64url')}`,
  };

  it.each([
    ['refunds without PORTAL_TOKEN_SECRET', refundsMain, refundsEnv, 'PORTAL_TOKEN_SECRET', undefined],
    ['refunds with the former default PORTAL_TOKEN_SECRET', refundsMain, { ...refundsEnv, PORTAL_TOKEN_SECRET: formerPortalDefault }, 'PORTAL_TOKEN_SECRET', formerPortalDefault],
    ['refunds with the example placeholder', refundsMain, { ...refundsEnv, PORTAL_TOKEN_SECRET: 'CHANGE_ME_at_least_32_characters_random' }, 'PORTAL_TOKEN_SECRET', 'CHANGE_ME_at_least_32_characters_random'],
    ['billing without STRIPE_WEBHOOK_SECRET', billingMain, { ...billingEnv, STRIPE_WEBHOOK_SECRET: '' }, 'STRIPE_WEBHOOK_SECRET', undefined],
    ['billing with the former default STRIPE_WEBHOOK_SECRET', billingMain, { ...billingEnv, STRIPE_WEBHOOK_SECRET: 'whsec_local_standin_secret' }, 'STRIPE_WEBHOOK_SECRET', 'whsec_local_standin_secret'],
    ['billing with the former default STRIPE_SECRET_KEY', billingMain, { ...billingEnv, STRIPE_SECRET_KEY: 'sk_test_local_standin' }, 'STRIPE_SECRET_KEY', 'sk_test_local_standin'],
  ])('%s: exit 78 naming the variable, never printing the value', async (_why, main, env, variable, value) => {
    const { code, output } = await boot(main, env);
    expect({ code, names: output.includes(variable) }).toEqual({ code: 78, names: true });
    if (value !== undefined) expect(output).not.toContain(value);
  }, 30_000);

  it('a portal link signed with the former public default opens nothing and refunds nothing', async () => {
    const victim = `victim+${suffix}@example.com`;
    await fundedCustomer(spec.demoApi, victim, 'starter_3', 3);
    for (const token of forgedLinks(victim, formerPortalDefault)) {
      const page = await call(spec.system.urls.gateway, 'GET', `/portal/${encodeURIComponent(token)}`);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain(victim);
      const refund = await spec.demoApi.requestRefund(token, { requestKey: `forged-${randomBytes(4).toString('hex')}`, kind: 'credits' });
      expect(refund.status).toBe(403);
    }
    expect((await spec.demoApi.balance(victim)).body.balance).toBe(3);
    expect(await spec.system.count('refunds', 'SELECT count(*) FROM refund_requests WHERE email = $1', [victim])).toBe(0);
  }, 60_000);
});

describe('no secret in any log line', () => {
  it('after a dashboard session and abused portal links, no service log holds the key, the session id, the token or a secret', async () => {
    const gateway = spec.system.urls.gateway;
    const apiKey = spec.demoKey.key;
    const customer = `logs+${suffix}@example.com`;
    await fundedCustomer(spec.demoApi, customer, 'starter_3', 3);

    // The dashboard: sign in (the key in a form body), use the session, sign out.
    const signIn = await fetch(`${gateway}/dashboard/sign-in`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ apiKey }).toString(),
    });
    expect(signIn.status).toBe(303);
    const sessionId = /^chd_session=([^;]+);/.exec(signIn.headers.get('set-cookie') ?? '')?.[1] as string;
    expect(sessionId?.length).toBeGreaterThan(16);
    const cookie = { cookie: `chd_session=${sessionId}` };
    expect((await call(gateway, 'GET', '/dashboard', { headers: cookie })).status).toBe(200);
    expect((await call(gateway, 'GET', `/dashboard/data/summary?token=${sessionId}`, { headers: cookie })).status).toBe(200);
    expect((await call(gateway, 'GET', '/dashboard/data/nope', { headers: cookie })).status).toBe(400);
    expect((await call(gateway, 'POST', '/dashboard/sign-in', { raw: `{"apiKey":"${apiKey}"`, headers: { 'content-type': 'application/json' } })).status).toBe(400);

    // A portal link, opened and abused.
    const link = await spec.demoApi.portalToken(customer);
    if (!('token' in link)) throw new Error(`no portal link: ${link.failed.status}`);
    const token = link.token;
    const portal = `/portal/${encodeURIComponent(token)}`;
    expect((await call(gateway, 'GET', portal)).status).toBe(200);
    expect([200, 409]).toContain((await call(gateway, 'GET', `${portal}/refunds/new?kind=credits&token=${token}`)).status); // 409: nothing to refund yet
    const abuses = [
      call(gateway, 'POST', `${portal}/refunds`, { raw: `{"token":"${token}", "apiKey":"${apiKey}"`, headers: { 'content-type': 'application/json' } }),
      call(gateway, 'POST', `${portal}/refunds`, { raw: `tried=${'x'.repeat(150 * 1024)}&token=${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      call(gateway, 'GET', `${portal}/%zz`),
      call(gateway, 'GET', `${portal}%E0%A4%A`),
      call(gateway, 'GET', `/PORTAL/${encodeURIComponent(token)}/refunds/%`),
      call(gateway, 'GET', `${portal}?token=${token}&key=${apiKey}`),
      call(gateway, 'POST', `${portal}/refunds?token=${token}`, { raw: 'kind=credits', headers: { 'content-type': 'application/x-www-form-urlencoded', ...cookie } }),
      call(gateway, 'GET', `/api/portfolio/credits/balance?email=${encodeURIComponent(customer)}&domain=${demo}&token=${token}`, { key: apiKey }),
      call(gateway, 'GET', `/api/portfolio/credits/balance?email=%zz&key=${apiKey}`, { key: `${apiKey.slice(0, -1)}x` }),
      call(gateway, 'GET', `/nowhere/${token}?key=${apiKey}`),
    ];
    const statuses = (await Promise.all(abuses)).map((answer) => answer.status);
    for (const status of statuses) expect(status).toBeGreaterThanOrEqual(200);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
    const out = await fetch(`${gateway}/dashboard/sign-out`, { method: 'POST', redirect: 'manual', headers: cookie });
    expect(out.status).toBe(303);

    // Wait until the gateway wrote the last request's line (a marker correlation id), bounded.
    const marker = `secrets-marker-${suffix}`;
    await call(gateway, 'GET', portal, { headers: { 'x-correlation-id': marker } });
    const logDirectory = spec.system.started.logDir;
    const gatewayLog = () => fs.readFileSync(path.join(logDirectory, 'gateway.log'), 'utf8');
    expect(await retry(async () => (gatewayLog().includes(marker) ? true : undefined), 100, 100)).toBe(true);
    expect(gatewayLog()).toContain('/portal/[redacted]'); // the abuses were logged, without the token

    const env = spec.system.started.env;
    const secrets: Record<string, string> = {
      'API key': apiKey,
      'API key without its prefix': apiKey.slice('chk_dom_'.length),
      'dashboard session id': sessionId,
      'portal token': token,
      ...Object.fromEntries(token.split('.').filter((part) => part.length > 16).map((part, index) => [`portal token part ${index + 1}`, part])),
      PORTAL_TOKEN_SECRET: env['PORTAL_TOKEN_SECRET'] as string,
      STRIPE_SECRET_KEY: env['STRIPE_SECRET_KEY'] as string,
      STRIPE_WEBHOOK_SECRET: spec.system.started.webhookSecret,
    };
    for (const name of ['API key', 'dashboard session id', 'portal token']) expect({ name, length: (secrets[name] ?? '').length > 16 }).toEqual({ name, length: true });
    for (const [name, value] of Object.entries(secrets)) if (value === undefined) delete secrets[name];
    const files = fs.readdirSync(logDirectory);
    expect(files).toEqual(expect.arrayContaining(['gateway.log', 'ledger.log', 'billing.log', 'refunds.log', 'feedback-analytics.log', 'stripe-standin.log']));
    const leaks: string[] = [];
    for (const file of files) {
      const log = fs.readFileSync(path.join(logDirectory, file), 'utf8');
      for (const [name, value] of Object.entries(secrets)) if (log.includes(value)) leaks.push(`${file}: ${name}`);
    }
    expect(leaks).toEqual([]);
    // Every configured secret was looked for (the system has them all), and the cookie held a random session id, not the key.
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['PORTAL_TOKEN_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET']));
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessionId).not.toContain(apiKey);
  }, 120_000);
});
