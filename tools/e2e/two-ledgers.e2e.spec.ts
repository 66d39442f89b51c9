/**
 * Several ledger instances at once must be correct: two ledger PROCESSES on one
 * database and one NATS queue group, under racing consumes on one account and on many, with the
 * group commit on. The database decides: exactly the affordable consumes succeed, no balance goes
 * negative, every event reaches the LEDGER stream once (one relay holds the advisory lock), and
 * the replay finds the projections equal to the events.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ClientProxy, ClientProxyFactory, Transport } from '@nestjs/microservices';
import { connect, NatsConnection } from 'nats';
import { Client } from 'pg';
import { firstValueFrom } from 'rxjs';
import { eventually, deleteNamespaceStreams } from '@credit-hub/testing';

const root = join(__dirname, '..', '..');
const namespace = `two${randomBytes(3).toString('hex')}`;
const database = `postgres://postgres@127.0.0.1:5432/test_twoledgers_${randomBytes(3).toString('hex')}`;
const subject = (name: string) => `${namespace}.${name}`;
const ledgers: ChildProcess[] = [];
let client: ClientProxy;
let nc: NatsConnection;
let db: Client;

function startLedger(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), join(root, 'dist/apps/ledger/src/main.js')], {
    env: { ...process.env, HUB_NAMESPACE: namespace, LEDGER_DATABASE_URL: database, LEDGER_HTTP_PORT: String(port) },
    stdio: 'ignore',
  });
  return eventually(`ledger on ${port}`, async () => ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok ? child : undefined), 60_000);
}

async function pay(email: string, credits: number, session: string): Promise<void> {
  const body = {
    stripeEventId: `evt_${session}`, checkoutSessionId: session, paymentIntentId: null, domain: 'a.test', offeringId: 'pack', email, credits,
    amountMinor: credits, currency: 'usd', scopeDomain: null, paidAt: new Date().toISOString(),
  };
  await nc.jetstream().publish(subject('billing.events.payment-succeeded.v1'), Buffer.from(JSON.stringify(body)), { msgID: body.stripeEventId });
}

async function count(sql: string): Promise<number> {
  return Number((await db.query(sql)).rows[0].count);
}

beforeAll(async () => {
  ledgers.push(await startLedger(39000 + Math.floor(Math.random() * 500)));
  ledgers.push(await startLedger(39600 + Math.floor(Math.random() * 300)));
  client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: ['nats://127.0.0.1:4222'] } });
  await client.connect();
  nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  db = new Client({ connectionString: database });
  await db.connect();
}, 120_000);

afterAll(async () => {
  await client?.close();
  for (const child of ledgers) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await db?.end();
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${new URL(database).pathname.slice(1)}" WITH (FORCE)`);
  await admin.end();
  const jsm = await nc.jetstreamManager();
  await deleteNamespaceStreams(jsm, namespace);
  await nc.close();
}, 60_000);

describe('two ledger processes on one database', () => {
  it('never overdraw under racing load and publish every event once', async () => {
    await pay('hot@example.com', 1000, 'cs_hot');
    for (let i = 0; i < 20; i++) await pay(`many${i}@example.com`, 30, `cs_many${i}`);
    await eventually('purchases', async () => (await count(`SELECT count(*) FROM ledger_events WHERE type = 'CreditsPurchased'`)) === 21, 30_000);
    const consume = (email: string, credits: number, referenceId: string) =>
      firstValueFrom(client.send<{ ok: boolean; value?: { balance: number } }>(subject('ledger.commands.consume-credits.v1'), { email, domain: 'a.test', credits, actionType: 'gen', referenceId }));
    const hot = Array.from({ length: 300 }, (_, i) => consume('hot@example.com', 7, `hot-${i}`));
    const many = Array.from({ length: 400 }, (_, i) => consume(`many${i % 20}@example.com`, 2, `many-${i}`));
    const [hotReplies, manyReplies] = await Promise.all([Promise.all(hot), Promise.all(many)]);
    expect(hotReplies.filter((r) => r.ok)).toHaveLength(142); // floor(1000 / 7)
    expect(manyReplies.filter((r) => r.ok)).toHaveLength(300); // 15 of 20 per account: 30 credits / 2
    expect(await count('SELECT count(*) FROM ledger_accounts WHERE balance < 0')).toBe(0);
    expect(Number((await db.query(`SELECT balance FROM ledger_accounts WHERE stream_id = 'account-hot@example.com'`)).rows[0].balance)).toBe(6);
    const events = await count('SELECT count(*) FROM ledger_events');
    await eventually('every event on the stream once', async () => {
      const info = await (await nc.jetstreamManager()).streams.info(`LEDGER_${namespace.toUpperCase()}`);
      return info.state.messages === events;
    }, 30_000);
    const replay = spawn(process.execPath, ['-r', join(root, 'tools/scripts/register-paths.js'), join(root, 'dist/apps/ledger/src/replay/replay.main.js'), '--dry-run'], {
      env: { ...process.env, LEDGER_DATABASE_URL: database },
    });
    let output = '';
    replay.stdout.on('data', (d) => (output += d));
    const code = await new Promise((resolve) => replay.on('exit', resolve));
    expect(output).toContain('verified');
    expect(code).toBe(0);
  });
});
