/**
 * The consume batch API (`POST /api/portfolio/credits/consume/batch`, the SDK's `consumeMany`) and
 * the coalesced single consumes, against the real system started as processes: one result per
 * item in order, each idempotent by its own referenceId, never all-or-nothing, no overdraft; and
 * a burst of concurrent single consumes answered each with its own result.
 */
import { randomBytes } from 'node:crypto';
import { CreditHubClient } from '@credit-hub/sdk';
import { createDomainKey, eventually, hubClient, startSystem, StartedSystem, stopAndCleanUp, stripeStandin } from '@credit-hub/testing';

type System = StartedSystem;
const suffix = randomBytes(3).toString('hex');
const namespace = `e2ebatch${suffix}`;
const prefix = `test_e2e_batch_${suffix}`;
const domain = 'demo.localhost';
let system: System;
let key: string;
let hub: CreditHubClient;

/** A customer with 100 paid credits (a completed checkout of `pro_100`). */
async function funded(email: string): Promise<void> {
  const checkout = await hub.createCheckout({ domain, offeringId: 'pro_100', email, successUrl: 'https://yourproduct.com/ok', cancelUrl: 'https://yourproduct.com/no' });
  const completed = await stripeStandin(system).completeCheckout(checkout.sessionId);
  expect(completed.status).toBe(200);
  await eventually(`credits of ${email}`, async () => (await hub.getBalance({ email, domain })).balance === 100, 20_000);
}

/** The batch route as sent by hand: the items the SDK would refuse before sending (raw HTTP behaviour). */
async function batch(items: unknown[]): Promise<{ status: number; body: any }> {
  const response = await fetch(`${system.urls.gateway}/api/portfolio/credits/consume/batch`, {
    method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  system = await startSystem({ ports: 'random', namespace, databasePrefix: prefix });
  key = await createDomainKey(system, domain);
  // The SDK's default retries, as a builder's client has them (429s of the burst are waited out).
  hub = hubClient(system, key, { retries: 3, backoffBaseMs: 50 });
}, 120_000);

afterAll(async () => {
  await stopAndCleanUp(system, namespace);
}, 60_000);

describe('POST /api/portfolio/credits/consume/batch', () => {
  it('answers one result per item in order: accepted, repeated or refused with its code, never all-or-nothing', async () => {
    const ada = `ada+${suffix}@example.com`;
    const bob = `bob+${suffix}@example.com`;
    await funded(ada);
    await funded(bob);
    const item = (email: string, credits: number, referenceId: string) => ({ email, domain, deltaCredits: -credits, actionType: 'gen', referenceId });
    const items = [
      item(ada, 10, 'b-1'),
      item(ada, 10, 'b-1'), // the same consume again in the same batch: the first answer
      { ...item(ada, 1, 'b-2'), deltaCredits: 0 }, // invalid alone
      { ...item(ada, 1, 'b-3'), domain: 'other.example' }, // another domain than the key's
      item(ada, 95, 'b-4'), // more than is left after b-1
      item(bob, 30, 'b-5'),
      item(ada, 7, 'b-6'),
      item(bob, 5, 'b-1'), // b-1 of this domain is ada's: a conflict, not a second spend
      { ...item(bob, 1, 'b-7'), extra: true }, // an unknown field: refused alone
    ];
    const first = await batch(items);
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: any) => [r.index, r.outcome, r.code ?? null, r.balance ?? null])).toEqual([
      [0, 'accepted', null, 90],
      [1, 'repeated', null, 90],
      [2, 'refused', 'validation_failed', null],
      [3, 'refused', 'forbidden_domain', null],
      [4, 'refused', 'insufficient_credits', null],
      [5, 'accepted', null, 70],
      [6, 'accepted', null, 83],
      [7, 'refused', 'reference_conflict', null],
      [8, 'refused', 'validation_failed', null],
    ]);
    expect(first.body).toMatchObject({ accepted: 3, repeated: 1, refused: 5 });
    expect(first.body.results[2]).toMatchObject({ status: 400, field: 'deltaCredits', retryable: false });
    expect(first.body.results[4]).toMatchObject({ status: 402 });
    // The whole batch again (a client retry): nothing is spent twice, every answer is the first one.
    const again = await batch(items);
    expect(again.body.results.map((r: any) => [r.outcome, r.eventId ?? r.code])).toEqual(
      first.body.results.map((r: any) => [r.outcome === 'accepted' ? 'repeated' : r.outcome, r.eventId ?? r.code]),
    );
    expect((await hub.getBalance({ email: ada, domain })).balance).toBe(83);
    expect((await hub.getBalance({ email: bob, domain })).balance).toBe(70);
  });

  it('refuses an empty batch, a non-object item and more than 1,000 items as a whole (400), and takes 1,000', async () => {
    expect((await batch([])).body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await batch([null])).body).toMatchObject({ status: 400, code: 'validation_failed' }); // an item that is not an object: a malformed request
    const carol = `carol+${suffix}@example.com`;
    const many = Array.from({ length: 1001 }, (_, i) => ({ email: carol, domain, deltaCredits: -1, actionType: 'gen', referenceId: `many-${i}` }));
    expect((await batch(many)).body).toMatchObject({ status: 400, code: 'validation_failed' });
    await funded(carol);
    const thousand = await batch(many.slice(0, 1000));
    expect(thousand.status).toBe(200);
    expect(thousand.body).toMatchObject({ accepted: 100, refused: 900 }); // 100 credits: no overdraft
    expect(thousand.body.results.filter((r: any) => r.outcome === 'refused').every((r: any) => r.code === 'insufficient_credits')).toBe(true);
    expect((await hub.getBalance({ email: carol, domain })).balance).toBe(0);
  });

  it('consumeMany of the SDK splits a long list and keeps the order of the results', async () => {
    const dan = `dan+${suffix}@example.com`;
    await funded(dan);
    const inputs = Array.from({ length: 1205 }, (_, i) => ({ email: dan, domain, deltaCredits: -1, actionType: 'gen', referenceId: `sdk-${i % 1100}` }));
    const result = await hub.consumeMany(inputs);
    expect(result.results.map((r) => r.index)).toEqual(inputs.map((_, i) => i));
    expect(result.accepted).toBe(100);
    // Items 1100..1204 repeat items 0..104: the ones that were accepted are repeated, the others refused again.
    expect(result.results.slice(1100).map((r) => r.outcome)).toEqual(result.results.slice(0, 105).map((r) => (r.outcome === 'accepted' ? 'repeated' : r.outcome)));
    expect((await hub.getBalance({ email: dan, domain })).balance).toBe(0);
  });
});

describe('concurrent single consumes (coalesced by the gateway)', () => {
  it('answers each request with its own result and spends exactly what was accepted', async () => {
    const eve = `eve+${suffix}@example.com`;
    await funded(eve);
    const calls = Array.from({ length: 150 }, (_, i) => hub.consumeCredits({ email: eve, domain, deltaCredits: -1, actionType: 'gen', referenceId: `single-${i % 120}` }).then(
      (r) => ({ ok: true as const, ...r }),
      (error: { code?: string }) => ({ ok: false as const, code: error.code }),
    ));
    const answers = await Promise.all(calls);
    const accepted = answers.filter((a) => a.ok && !a.repeated);
    expect(accepted.length).toBe(100);
    expect(answers.filter((a) => !a.ok).every((a) => !a.ok && a.code === 'insufficient_credits')).toBe(true);
    // Each eventId was accepted once; its repeats carry the same id.
    expect(new Set(accepted.map((a) => a.ok && a.eventId)).size).toBe(100);
    expect((await hub.getBalance({ email: eve, domain })).balance).toBe(0);
  });
});
