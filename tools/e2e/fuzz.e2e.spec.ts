/**
 * Bad input, end to end on the started system. Every operation of the gateway's OpenAPI
 * document (`/docs-json`, so endpoints added later are fuzzed too) gets fast-check-generated
 * invalid requests (see tools/chaos/src/openapi-fuzz.ts): 0 answers 5xx or 2xx, every refusal a
 * problem+json 4xx (`validation_failed` naming its field), no stack trace or SQL in any body, and
 * no row written in any database. Then Stripe webhooks: bad and rotated signatures, stale and
 * future timestamps, unknown event types, malformed JSON: refused or acknowledged-and-ignored,
 * nothing credited. Then the refund portal's form (HTML, outside the OpenAPI document).
 *
 * Then bad bytes: text PostgreSQL cannot store (NUL and lone surrogates in JSON bodies, NUL in
 * URLs) in every string field of every operation (body, nested body, query, path) of a
 * request otherwise well-formed and authenticated, for a funded customer: each refused with 400
 * `validation_failed` naming the field, never a 5xx, never `retryable: true`, nothing written. Also
 * the portal's form and the dashboard's search, outside the document.
 *
 * FUZZ_RUNS (cases per operation, default 40), FUZZ_TEXT_RUNS (bad texts per string field,
 * default 4) and FUZZ_SEED (default fixed) reproduce a run.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import Stripe from 'stripe';
import { Answer, call, isProblem, leakIn } from '../chaos/src/http';
import { badTextCases, FuzzCase, fuzzCases, fuzzTargets, OpenApiDocument, oddStrings, stringFields, unstorableTexts } from '../chaos/src/openapi-fuzz';
import { retry } from '../chaos/src/load';
import { demo, fundedCustomer, SpecSystem, startSpecSystem, stateCounts } from '../chaos/src/spec-support';

const runs = Number(process.env['FUZZ_RUNS'] ?? 40);
const textRuns = Number(process.env['FUZZ_TEXT_RUNS'] ?? 4);
const seed = Number(process.env['FUZZ_SEED'] ?? 20261121);
const suffix = randomBytes(3).toString('hex');
/** An operator key for this run (the gateway is given its hash), so the operator API is fuzzed past its guard. */
const operatorKey = `chk_op_${randomBytes(24).toString('base64url')}`;
let spec: SpecSystem;
let document: OpenApiDocument;

beforeAll(async () => {
  spec = await startSpecSystem('fuzz', {
    env: { GATEWAY_RATE_LIMIT_PER_KEY: '1000000', GATEWAY_RATE_LIMIT_ANONYMOUS: '1000000', OPERATOR_API_KEYS: createHash('sha256').update(operatorKey).digest('hex') },
  });
  document = (await call(spec.system.urls.gateway, 'GET', '/docs-json')).body as OpenApiDocument;
}, 120_000);

afterAll(async () => {
  await spec?.system.destroy();
}, 60_000);

/** What is wrong with the answer to an invalid request, or undefined when it is a proper refusal. */
function complaint(sent: FuzzCase, answer: Answer): string | undefined {
  if (answer.status === 0) return `no answer (${answer.failure})`;
  if (answer.status >= 500) return `${answer.status} ${answer.text.slice(0, 160)}`;
  if (answer.status < 400) return `accepted (${answer.status}): ${answer.text.slice(0, 160)}`;
  if (!isProblem(answer)) return `not problem+json: ${answer.contentType} ${answer.text.slice(0, 120)}`;
  if (answer.body.code === 'validation_failed' && (typeof answer.body.field !== 'string' || answer.body.field.length === 0)) {
    return `validation_failed without a field: ${answer.body.detail}`;
  }
  const leak = leakIn(answer.text);
  if (leak && !leakIn(`${sent.path} ${sent.body ?? ''}`)) return `${leak} in the body: ${answer.text.slice(0, 200)}`;
  return undefined;
}

async function send(sent: FuzzCase): Promise<Answer> {
  return call(spec.system.urls.gateway, sent.method, sent.path, { headers: sent.headers, ...(sent.body !== undefined ? { raw: sent.body } : {}), timeoutMs: 15_000 });
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++] as T);
  }));
}

describe('every REST endpoint of /docs-json, fuzzed', () => {
  it('finds the operations in the OpenAPI document', () => {
    const targets = fuzzTargets(document);
    expect(targets.length).toBeGreaterThanOrEqual(15);
    expect(targets.map((t) => `${t.method} ${t.path}`)).toEqual(expect.arrayContaining(['POST /api/portfolio/credits/consume', 'POST /api/billing/checkout', 'POST /webhooks/stripe']));
  });

  it(`refuses ${runs} invalid requests per operation with a 4xx problem+json, never a 5xx, and writes nothing`, async () => {
    const context = { key: spec.demoKey.key, otherKey: spec.notesKey.key, domain: demo, email: `fuzz+${suffix}@example.com` };
    const before = await stateCounts(spec.system);
    const failures: string[] = [];
    const statuses: Record<string, number> = {};
    let sentCount = 0;
    for (const [index, target] of fuzzTargets(document).entries()) {
      const cases = fc.sample(fuzzCases(target, context), { numRuns: runs, seed: seed + index });
      await pool(cases, 8, async (sent) => {
        const answer = await send(sent);
        sentCount++;
        statuses[`${answer.status} ${answer.body?.code ?? ''}`] = (statuses[`${answer.status} ${answer.body?.code ?? ''}`] ?? 0) + 1;
        const why = complaint(sent, answer);
        if (why) failures.push(`${sent.method} ${sent.path.slice(0, 120)} [${sent.breaking}] → ${why}`);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000)); // anything asynchronous would have landed
    const after = await stateCounts(spec.system);
    console.log(`fuzz: ${sentCount} requests (seed ${seed}, ${runs} per operation); answers: ${JSON.stringify(statuses)}`);
    expect(failures.slice(0, 25)).toEqual([]);
    expect(after).toEqual(before);
    expect(sentCount).toBeGreaterThanOrEqual(runs * 15);
  }, 120_000);
});

describe('Stripe webhooks', () => {
  const secret = () => spec.system.started.webhookSecret; // the system's generated secret (no default)
  const stripe = new Stripe('sk_test_fuzz');
  const email = `webhook+${suffix}@example.com`;
  const now = () => Math.floor(Date.now() / 1000);

  function event(type: string, object: Record<string, unknown> = {}): string {
    return JSON.stringify({
      id: `evt_fuzz_${randomBytes(6).toString('hex')}`,
      object: 'event',
      api_version: '2025-01-27.acacia',
      created: now(),
      type,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: {
        object: {
          id: `cs_fuzz_${randomBytes(6).toString('hex')}`,
          object: 'checkout.session',
          mode: 'payment',
          payment_status: 'paid',
          status: 'complete',
          amount_total: 29900,
          currency: 'usd',
          customer_email: email,
          payment_intent: `pi_fuzz_${randomBytes(6).toString('hex')}`,
          metadata: { domain: demo, offeringId: 'team_1000', email, credits: '1000', amountMinor: '29900', currency: 'usd' },
          ...object,
        },
      },
    });
  }

  const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
    stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? secret(), timestamp: options.timestamp ?? now() });

  const deliver = (payload: string, signature: string | undefined, contentType = 'application/json') =>
    call(spec.system.urls.gateway, 'POST', '/webhooks/stripe', { raw: payload, headers: { 'content-type': contentType, ...(signature !== undefined ? { 'stripe-signature': signature } : {}) } });

  async function credited(): Promise<{ purchases: number; payments: number; balanceEvents: number }> {
    return {
      purchases: await spec.system.count('ledger', `SELECT count(*) FROM ledger_events WHERE type = 'CreditsPurchased'`),
      payments: await spec.system.count('billing', `SELECT count(*) FROM outbox WHERE subject LIKE '%payment-succeeded%'`),
      balanceEvents: await spec.system.count('ledger', `SELECT count(*) FROM ledger_events WHERE stream_id = $1`, [`account-${email}`]),
    };
  }

  it('refuses every forged, stale, future, wrongly signed or malformed delivery with 400 problem+json, and credits nothing', async () => {
    const before = await credited();
    const paid = event('checkout.session.completed');
    const valid = sign(paid);
    const [timestampPart, signaturePart] = valid.split(',') as [string, string];
    const cases: Record<string, [string, string | undefined, string]> = {
      'no signature header': [paid, undefined, 'webhook_signature_invalid'],
      'empty signature header': [paid, '', 'webhook_signature_invalid'],
      'signed with another secret': [paid, sign(paid, { secret: 'whsec_not_ours' }), 'webhook_signature_invalid'],
      'signature of another payload': [paid, sign(event('checkout.session.completed')), 'webhook_signature_invalid'],
      'body changed after signing': [paid.replace('"credits":"1000"', '"credits":"9999"'), valid, 'webhook_signature_invalid'],
      'stale timestamp (301 s old)': [paid, sign(paid, { timestamp: now() - 301 }), 'webhook_timestamp_out_of_tolerance'],
      // 302, not 301: the cases are signed up front and sent one by one, so by its turn a second may
      // have passed and 301 s ahead would be exactly 300 s, within tolerance (a flake under load).
      'future timestamp (302 s ahead)': [paid, sign(paid, { timestamp: now() + 302 }), 'webhook_timestamp_out_of_tolerance'],
      'timestamp swapped for a fresh one': [paid, `t=${now() + 5},${signaturePart}`, 'webhook_signature_invalid'],
      'two v1 signatures, both wrong (rotated secrets, neither ours)': [paid, `${timestampPart},v1=${'0'.repeat(64)},v1=${'f'.repeat(64)}`, 'webhook_signature_invalid'],
      'only a v0 scheme': [paid, `${timestampPart},v0=${signaturePart.slice(3)}`, 'webhook_signature_invalid'],
      'garbage header': [paid, 't=abc,v1=xyz', 'webhook_signature_invalid'],
      'a 5 KB header': [paid, `t=${now()},v1=${'a'.repeat(5000)}`, 'webhook_signature_invalid'],
    };
    for (const [why, [payload, signature, code]] of Object.entries(cases)) {
      const answer = await deliver(payload, signature);
      expect({ why, status: answer.status, code: answer.body?.code, problem: isProblem(answer) }).toEqual({ why, status: 400, code, problem: true });
      expect(leakIn(answer.text)).toBeUndefined();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await credited()).toEqual(before);
  });

  it('refuses malformed JSON and non-events even when correctly signed', async () => {
    const before = await credited();
    for (const payload of ['{', 'not json', '[]', '{"id":"evt_x"}', '{"object":"event","type":5}', `{"id":"evt_${suffix}","object":"event","type":"checkout.session.completed","data":null}`]) {
      const answer = await deliver(payload, sign(payload));
      expect({ payload, status: answer.status, problem: isProblem(answer) }).toEqual({ payload, status: 400, problem: true });
      expect(['webhook_payload_invalid', 'validation_failed']).toContain(answer.body.code);
    }
    expect(await credited()).toEqual(before);
  });

  it('acknowledges unknown event types and unpaid sessions, and ignores them: nothing credited', async () => {
    const before = await credited();
    const payloads = [
      event('customer.created'),
      event('invoice.upcoming_unknown_to_us'),
      event('checkout.session.completed', { payment_status: 'unpaid' }),
      event('checkout.session.completed', { metadata: {} }),
      event('checkout.session.async_payment_failed'),
    ];
    for (const payload of payloads) {
      const answer = await deliver(payload, sign(payload));
      expect({ type: JSON.parse(payload).type, status: answer.status }).toEqual({ type: JSON.parse(payload).type, status: 200 });
      expect(answer.body).toMatchObject({ received: true });
      expect(['ignored', 'duplicate']).toContain(answer.body.outcome);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await credited()).toEqual(before);
  });

  it('accepts a delivery signed by one of two rotated secrets (two v1= signatures, one ours)', async () => {
    const payload = event('customer.updated');
    const ours = sign(payload);
    const [timestampPart, signaturePart] = ours.split(',') as [string, string];
    const answer = await deliver(payload, `${timestampPart},v1=${'0'.repeat(64)},${signaturePart}`);
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('ignored');
  });

  it('never answers 5xx to fuzzed bodies and signatures', async () => {
    const before = await credited();
    const cases = fc.sample(fc.tuple(fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v)), oddStrings), fc.option(oddStrings, { nil: undefined }), fc.boolean()), { numRuns: 60, seed });
    for (const [payload, header, signIt] of cases) {
      const signature = signIt ? sign(payload) : header?.replace(/[^\t\x20-\x7e]/g, '?');
      const answer = await deliver(payload, signature);
      expect(answer.status).toBeGreaterThanOrEqual(200);
      expect({ payload: payload.slice(0, 60), status: answer.status < 500 }).toEqual({ payload: payload.slice(0, 60), status: true });
      if (answer.status >= 400) expect(isProblem(answer)).toBe(true);
    }
    expect(await credited()).toEqual(before);
  });
});

describe('the refund portal form (HTML, not in the OpenAPI document)', () => {
  it('answers fuzzed tokens and form bodies with 4xx pages, never 5xx, and records no refund', async () => {
    const before = await spec.system.count('refunds', 'SELECT count(*) FROM refund_requests').catch(() => 0);
    const cases = fc.sample(
      fc.tuple(oddStrings, fc.dictionary(fc.constantFrom('requestKey', 'kind', 'lotId', 'tried', 'didNotWork', 'wouldBringBack', 'category', 'rating', '__proto__', 'x'), oddStrings)),
      { numRuns: 60, seed },
    );
    for (const [token, form] of cases) {
      const path = `/portal/${encodeURIComponent(token || 'x')}`;
      const body = new URLSearchParams(form).toString();
      const answers = await Promise.all([
        call(spec.system.urls.gateway, 'GET', path),
        call(spec.system.urls.gateway, 'GET', `${path}/refunds/new?kind=money&lotId=${encodeURIComponent(token)}`),
        call(spec.system.urls.gateway, 'POST', `${path}/refunds`, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      ]);
      for (const answer of answers) {
        expect({ token: token.slice(0, 40), status: answer.status >= 400 && answer.status < 500 }).toEqual({ token: token.slice(0, 40), status: true });
        expect(leakIn(answer.text)).toBeUndefined();
      }
    }
    expect(await spec.system.count('refunds', 'SELECT count(*) FROM refund_requests').catch(() => 0)).toBe(before);
  }, 60_000);
});

describe('text PostgreSQL cannot store, in every string field of /docs-json', () => {
  const email = `bytes+${suffix}@example.com`;

  beforeAll(async () => {
    // A funded customer: without the bad bytes, the consumes and holds below would be written.
    await fundedCustomer(spec.demoApi, email, 'pro_100', 100);
  }, 60_000);

  /** What is wrong with the answer to a request whose only fault is unstorable text in `field`, or undefined. */
  function textComplaint(sent: FuzzCase & { field: { in: string; name: string } }, answer: Answer): string | undefined {
    if (answer.status === 0) return `no answer (${answer.failure})`;
    if (answer.status >= 500) return `${answer.status} ${answer.text.slice(0, 160)}`;
    if (answer.body?.retryable === true || answer.retryAfter !== null) return `retryable: ${answer.text.slice(0, 160)}`;
    if (!isProblem(answer)) return `not problem+json: ${answer.status} ${answer.text.slice(0, 160)}`;
    // The key's own domain is checked (guard) before the input is: any other domain is not its business.
    if (sent.field.name === 'domain' && answer.status === 403 && answer.body.code === 'forbidden_domain') return undefined;
    if (answer.status !== 400) return `${answer.status} ${answer.body.code}: ${answer.body.detail}`;
    if (answer.body.code !== 'validation_failed') return `code ${answer.body.code}: ${answer.body.detail}`;
    if (answer.body.field !== sent.field.name) return `field ${answer.body.field}, not ${sent.field.name}: ${answer.body.detail}`;
    return undefined;
  }

  it(`refuses ${textRuns} bad texts per string field of every operation with 400 validation_failed naming it, never 5xx or retryable, writing nothing`, async () => {
    const context = { key: spec.demoKey.key, otherKey: spec.notesKey.key, domain: demo, email, schemeKeys: { 'operator-key': operatorKey } };
    const before = await stateCounts(spec.system);
    const failures: string[] = [];
    const perPlace: Record<string, number> = {};
    let fields = 0;
    let sentCount = 0;
    for (const [index, target] of fuzzTargets(document).entries()) {
      // The Stripe webhooks' bodies (platform and Connect) are signed raw bytes: refused by their signature first (fuzzed above).
      if (target.path === '/webhooks/stripe' || target.path === '/webhooks/stripe/connect') continue;
      fields += stringFields(target, document).length;
      await pool(badTextCases(target, document, context, textRuns, seed + 1000 * index), 8, async (sent) => {
        const answer = await send(sent);
        sentCount++;
        perPlace[sent.field.in] = (perPlace[sent.field.in] ?? 0) + 1;
        const why = textComplaint(sent, answer);
        if (why) failures.push(`${sent.method} ${target.path} [${sent.field.in} ${sent.field.name}] → ${why.slice(0, 140)}`);
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000)); // anything asynchronous would have landed
    if (failures.length > 0) console.log([...new Set(failures.map((f) => f.replace(/: .*$/, '')))].join('\n'));
    console.log(`bad text: ${sentCount} requests over ${fields} string fields (seed ${seed}, ${textRuns} per field): ${JSON.stringify(perPlace)}; failures ${failures.length}`);
    expect(failures.slice(0, 25)).toEqual([]);
    expect(await stateCounts(spec.system)).toEqual(before);
    expect(fields).toBeGreaterThanOrEqual(40);
  }, 120_000);

  it('accepts the same requests with storable text (the refusals above are about the bytes alone)', async () => {
    const consume = { email, domain: demo, deltaCredits: -1, actionType: 'gen', referenceId: `plain-${suffix}` };
    const accepted = await call(spec.system.urls.gateway, 'POST', '/api/portfolio/credits/consume', { key: spec.demoKey.key, json: consume });
    expect(accepted.status).toBe(200);
    const refused = await call(spec.system.urls.gateway, 'POST', '/api/portfolio/credits/consume', { key: spec.demoKey.key, json: { ...consume, referenceId: `nul-${suffix}\u0000` } });
    expect({ status: refused.status, code: refused.body?.code, field: refused.body?.field, retryable: refused.body?.retryable }).toEqual({ status: 400, code: 'validation_failed', field: 'referenceId', retryable: false });
    expect(refused.retryAfter).toBeNull();
  });

  it('refuses bad text in the refund portal form and the dashboard search with a 400, recording nothing', async () => {
    const link = await spec.demoApi.portalToken(email);
    if (!('token' in link)) throw new Error(`no portal link: ${link.failed.status} ${link.failed.text}`);
    const refundsBefore = await spec.system.count('refunds', 'SELECT count(*) FROM refund_requests');
    // A form is UTF-8 bytes: a lone surrogate cannot be sent in one (it arrives as U+FFFD), a NUL can.
    const texts = fc.sample(unstorableTexts.filter((text) => text.includes('\u0000')), { numRuns: 6, seed });
    for (const [i, field] of ['tried', 'didNotWork', 'wouldBringBack', 'requestKey', 'tried', 'didNotWork'].entries()) {
      const form: Record<string, string> = { requestKey: `key-${suffix}-${i}`, kind: 'credits', lotId: '', tried: 'the product', didNotWork: 'the output', wouldBringBack: 'a fix', category: 'other', rating: '3' };
      form[field] = `${form[field]} ${texts[i]}`;
      const body = new URLSearchParams(form).toString();
      const answer = await call(spec.system.urls.gateway, 'POST', `/portal/${encodeURIComponent(link.token)}/refunds`, { raw: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect({ field, status: answer.status }).toEqual({ field, status: 400 });
    }
    expect(await spec.system.count('refunds', 'SELECT count(*) FROM refund_requests')).toBe(refundsBefore);
    const signIn = await fetch(`${spec.system.urls.gateway}/dashboard/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `apiKey=${encodeURIComponent(spec.demoKey.key)}` });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/=./);
    for (const q of ['%00', 'a%00b', '%00%00']) {
      const answer = await call(spec.system.urls.gateway, 'GET', `/dashboard/data/feedback?q=${q}`, { headers: { cookie } });
      expect({ q, status: answer.status, code: answer.body?.code, retryable: answer.body?.retryable }).toEqual({ q, status: 400, code: 'validation_failed', retryable: false });
    }
    const analytics = await call(spec.system.urls.gateway, 'GET', '/api/analytics/feedback?q=%00', { key: spec.demoKey.key });
    expect({ status: analytics.status, code: analytics.body?.code, field: analytics.body?.field }).toEqual({ status: 400, code: 'validation_failed', field: 'q' });
  });
});

describe('one customer, one email (Unicode NFC, lower-case, trimmed)', () => {
  // ü@exämple.com composed (NFC) and decomposed (NFD: u + U+0308, a + U+0308): one customer.
  const nfc = `\u00fc+one${suffix}@ex\u00e4mple.com`;
  const nfd = `u\u0308+one${suffix}@exa\u0308mple.com`;

  it('buys on the NFD form, grants on an upper-case NFC form, and reads one balance and one stream on either form', async () => {
    expect(nfc).not.toBe(nfd);
    const bought = await spec.demoApi.buy(nfd, 'pro_100');
    expect(bought?.delivered).toBe(true);
    const balanceOn = async (email: string) => (await spec.demoApi.balance(email)).body?.balance as number | undefined;
    expect(await retry(async () => ((await balanceOn(nfc)) === 100 ? true : undefined), 100, 100)).toBe(true);
    const grant = await spec.demoApi.request('POST', '/api/portfolio/credits/grants', { json: { email: `  ${nfc.toUpperCase()} `, domain: demo, credits: 5, grantId: `nfc-${suffix}`, reason: 'welcome back' } });
    expect(grant.status).toBe(201);
    const consumed = await spec.demoApi.consume(nfd.toUpperCase(), 2, `nfd-${suffix}`);
    expect(consumed.status).toBe(200);
    expect({ nfc: await balanceOn(nfc), nfd: await balanceOn(nfd) }).toEqual({ nfc: 103, nfd: 103 });
    expect((await spec.demoApi.balance(nfd)).body.email).toBe(nfc);
    const streams = await spec.system.query<{ stream_id: string }>('ledger', `SELECT DISTINCT stream_id FROM ledger_events WHERE stream_id LIKE $1`, [`%+one${suffix}@%`]);
    expect(streams.map((row) => row.stream_id)).toEqual([`account-${nfc}`]);
    // Billing's Stripe customer and purchase rows carry the same key.
    const billingEmails = await spec.system.query<{ email: string }>('billing', `SELECT DISTINCT email FROM checkout_sessions WHERE email LIKE $1`, [`%+one${suffix}@%`]);
    expect(billingEmails.map((row) => row.email)).toEqual([nfc]);
  }, 60_000);

  it('refuses an email with a control character, naming the field, writing nothing', async () => {
    const before = await stateCounts(spec.system);
    for (const email of ['"a\u0001b"@example.com', '"a\u007f"@example.com', '"x\u0085"@example.com', 'a\u0007b@example.com']) {
      const answer = await spec.demoApi.consume(email, 1, `ctl-${suffix}`);
      expect({ email, status: answer.status, code: answer.body?.code, field: answer.body?.field }).toEqual({ email, status: 400, code: 'validation_failed', field: 'email' });
    }
    expect(await stateCounts(spec.system)).toEqual(before);
  });
});
