/**
 * Refunds read the ledger, end to end on the started system (gateway, ledger, refunds, billing and
 * the Stripe stand-in, over HTTP):
 * - a credit refund posted the moment the consumptions were acknowledged returns every one of them
 *   (the refunds service asks the ledger, the system of record, instead of a copy fed by JetStream);
 * - the money-refund offer on the portal page is what the refund then pays, holds counted.
 */
import { randomBytes } from 'node:crypto';
import { call } from '../chaos/src/http';
import { demo, fundedCustomer, SpecSystem, startSpecSystem } from '../chaos/src/spec-support';

const suffix = randomBytes(3).toString('hex');
const customer = (name: string) => `${name}+${suffix}@example.com`;

let spec: SpecSystem;

beforeAll(async () => {
  spec = await startSpecSystem('refundtruth');
}, 120_000);

afterAll(async () => {
  await spec?.system.destroy();
}, 60_000);

/** Integer minor units of a `$1,234.56` amount as the portal prints it. */
function minorUnits(printed: string): number {
  const [whole, fraction = ''] = printed.replace(/[^0-9.]/g, '').split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

describe('a credit refund sees every acknowledged consumption', () => {
  /** N consumptions per run, N = 1..20, ten rounds: 200 runs. */
  const consumptionsMax = 20;
  const rounds = 10;
  /** Runs in flight at once (each its own customer: the demo policy allows one refund per window). */
  const concurrency = 8;

  it('consume N times and post the form the moment the last one is acknowledged (N = 1..20, 200 runs): always N credits back', async () => {
    const api = spec.demoApi;
    const runs = Array.from({ length: rounds * consumptionsMax }, (_, i) => ({ round: Math.floor(i / consumptionsMax), n: (i % consumptionsMax) + 1 }));
    const failures: string[] = [];
    let done = 0;
    const one = async ({ round, n }: { round: number; n: number }) => {
      const email = customer(`truth-${round}-${n}`);
      const granted = 30;
      const grant = await api.request('POST', '/api/portfolio/credits/grants', {
        json: { email, domain: demo, credits: granted, grantId: `truth-${suffix}-${round}-${n}`, reason: 'refund truth test' },
      });
      if (grant.status !== 201) return void failures.push(`${email}: grant answered ${grant.status}`);
      const token = await api.portalToken(email);
      if (!('token' in token)) return void failures.push(`${email}: no portal link (${token.failed.status})`);
      const consumed = await Promise.all(Array.from({ length: n }, (_, i) => api.consume(email, 1, `truth-${suffix}-${round}-${n}-${i}`)));
      // The form leaves as soon as the last consumption was acknowledged: no wait of any kind.
      const refund = await api.requestRefund(token.token, { requestKey: `truth-${suffix}-${round}-${n}`, kind: 'credits' });
      if (consumed.some((answer) => answer.status !== 200)) return void failures.push(`${email}: a consume answered ${consumed.map((a) => a.status).join(',')}`);
      if (refund.status !== 200) return void failures.push(`${email}: the refund form answered ${refund.status}`);
      const [row] = await spec.system.query<{ status: string; credits_refunded: number }>('refunds', 'SELECT status, credits_refunded FROM refund_requests WHERE email = $1', [email]);
      const balance = (await api.balance(email)).body?.balance;
      if (row?.status !== 'completed' || row.credits_refunded !== n || balance !== granted) {
        failures.push(`${email}: ${n} consumed, refund ${row?.status} with ${row?.credits_refunded} credits, balance ${balance} (expected ${granted})`);
      }
      done++;
    };
    const queue = [...runs];
    await Promise.all(Array.from({ length: concurrency }, async () => {
      for (let run = queue.shift(); run; run = queue.shift()) await one(run);
    }));
    expect({ runs: runs.length, failures: failures.slice(0, 20), failed: failures.length }).toEqual({ runs: 200, failures: [], failed: 0 });
    expect(done).toBe(200);
  }, 600_000);
});

describe('the money-refund offer is what the refund pays', () => {
  it('100 purchased credits, 90 held by a reservation: the portal offers 10 credits’ worth and the refund pays exactly that', async () => {
    const api = spec.demoApi;
    const email = customer('held');
    await fundedCustomer(api, email, 'pro_100', 100);
    const lotId = (await api.balance(email)).body.lots[0].lotId as string;
    expect((await api.reserve(email, 90, `held-${suffix}`)).status).toBe(201);
    const token = await api.portalToken(email);
    if (!('token' in token)) throw new Error(`no portal link: ${token.failed.status}`);
    const page = await call(spec.system.urls.gateway, 'GET', `/portal/${encodeURIComponent(token.token)}`);
    expect(page.status).toBe(200);
    const html = page.text;
    const offer = /Request money refund of ([^ ]+) for the purchase/.exec(html);
    expect(offer).not.toBeNull();
    expect(html).toContain('10 of 100');
    const offeredMinor = minorUnits(offer![1]);

    const refund = await api.requestRefund(token.token, { requestKey: `held-${suffix}`, kind: 'money', lotId });
    expect(refund.status).toBe(200);
    const [row] = await spec.system.query<{ status: string; credits_refunded: number; amount_minor: number; money_refunded_minor: number }>(
      'refunds', 'SELECT status, credits_refunded, amount_minor, money_refunded_minor FROM refund_requests WHERE email = $1', [email],
    );
    expect(row).toMatchObject({ status: 'completed', credits_refunded: 10 });
    // Offer = what was recorded = what Stripe was asked to pay = 10 of 100 credits of a $49.00 pack.
    expect({ offered: offeredMinor, recorded: row.amount_minor, paid: row.money_refunded_minor }).toEqual({ offered: 490, recorded: 490, paid: 490 });
    expect((await api.balance(email)).body.balance).toBe(0); // 90 held, the 10 free ones removed
  }, 120_000);
});
