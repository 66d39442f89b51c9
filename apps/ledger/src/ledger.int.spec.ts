import { BillingEventSubjects, ConsumeCreditsResult, LedgerSubjects, PaymentSucceededV1, Reply, Streams } from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import { firstValueFrom } from 'rxjs';
import { CreditAccountStore } from './credit-accounts/credit-account.store';
import { LedgerOutboxRelay } from './credit-accounts/outbox-relay.service';
import { replayLedger } from './replay/replay';
import { useLedgerHarness } from './test/ledger-harness';

const ledger = useLedgerHarness({ name: 'ledger-test', databasePrefix: 'ledger' });

function payment(email: string, credits: number, session: string, stripeEventId = `evt_${session}`): PaymentSucceededV1 {
  return {
    stripeEventId, checkoutSessionId: session, paymentIntentId: `pi_${session}`, domain: 'a.test', offeringId: 'pack',
    email, credits, amountMinor: credits * 10, currency: 'usd', scopeDomain: null, paidAt: new Date().toISOString(),
  };
}

async function publishPayment(p: PaymentSucceededV1, msgID = p.stripeEventId): Promise<void> {
  await ledger.publish(BillingEventSubjects.paymentSucceeded, p, msgID);
}

async function consume(email: string, credits: number, referenceId: string, actionType = 'gen'): Promise<Reply<ConsumeCreditsResult>> {
  return firstValueFrom(ledger.client.send(LedgerSubjects.consumeCredits, { email, domain: 'a.test', credits, actionType, referenceId }));
}

async function balanceOf(email: string): Promise<number> {
  const reply = await firstValueFrom(ledger.client.send<Reply<{ balance: number }>>(LedgerSubjects.getBalance, { email }));
  if (!reply.ok) throw new Error(reply.refusal.detail);
  return reply.value.balance;
}

async function count(sql: string, parameters: unknown[] = []): Promise<number> {
  return Number((await ledger.db.query(sql, parameters)).rows[0].count);
}

async function streamMessages(): Promise<number> {
  const jsm = await ledger.nc.jetstreamManager();
  return (await jsm.streams.info(Streams.ledger.name)).state.messages;
}

describe('ledger on real PostgreSQL and NATS', () => {
  it('credits a payment once, however often and under whichever Stripe event it arrives', async () => {
    const p = payment('once@example.com', 50, 'cs_once');
    await publishPayment(p);
    await publishPayment(p, 'redelivery-with-another-msg-id');
    await publishPayment({ ...p, stripeEventId: 'evt_second_event_same_session' });
    await eventually('the purchase', async () => (await balanceOf('once@example.com')) === 50);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await balanceOf('once@example.com')).toBe(50);
    expect(await count(`SELECT count(*) FROM ledger_events WHERE type = 'CreditsPurchased' AND stream_id = 'account-once@example.com'`)).toBe(1);
  });

  it('lets exactly 142 of 200 concurrent consumes of 7 through on a balance of 1,000, final balance 6', async () => {
    await publishPayment(payment('race@example.com', 1000, 'cs_race'));
    await eventually('the purchase', async () => (await balanceOf('race@example.com')) === 1000);
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => consume('race@example.com', 7, `race-${i}`)));
    const accepted = replies.filter((r) => r.ok);
    const refused = replies.filter((r) => !r.ok && r.refusal.code === 'insufficient_credits');
    expect(accepted).toHaveLength(142);
    expect(refused).toHaveLength(58);
    expect(await balanceOf('race@example.com')).toBe(6);
    const balances = accepted.map((r) => (r.ok ? r.value.balance : -1));
    expect(Math.min(...balances)).toBe(6);
    expect(new Set(balances).size).toBe(142); // each accepted consume saw its own balance: serialised, never overdrawn
    expect(await count(`SELECT count(*) FROM ledger_events WHERE stream_id = 'account-race@example.com'`)).toBe(143);
  });

  it('answers a repeat with the first answer and refuses a changed reuse as a conflict', async () => {
    await publishPayment(payment('repeat@example.com', 10, 'cs_repeat'));
    await eventually('the purchase', async () => (await balanceOf('repeat@example.com')) === 10);
    const first = await consume('repeat@example.com', 3, 'ref-1');
    const again = await consume('Repeat@Example.com ', 3, 'ref-1');
    expect(first).toEqual({ ok: true, value: { balance: 7, eventId: expect.any(String), repeated: false } });
    expect(again).toEqual({ ok: true, value: { ...(first.ok ? first.value : {}), repeated: true } });
    const conflict = await consume('repeat@example.com', 4, 'ref-1');
    expect(conflict).toMatchObject({ ok: false, refusal: { code: 'reference_conflict' } });
    const otherCustomer = await consume('once@example.com', 3, 'ref-1');
    expect(otherCustomer).toMatchObject({ ok: false, refusal: { code: 'reference_conflict' } });
    expect(await balanceOf('repeat@example.com')).toBe(7);
  });

  it('refuses invalid commands with the field named, writing nothing', async () => {
    const before = await count('SELECT count(*) FROM ledger_events');
    const reply = await firstValueFrom(
      ledger.client.send<Reply<unknown>>(LedgerSubjects.consumeCredits, { email: 'x@example.com', domain: 'a.test', credits: 1.5, actionType: 'gen', referenceId: 'r' }),
    );
    expect(reply).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'credits' } });
    expect(await count('SELECT count(*) FROM ledger_events')).toBe(before);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the events table (append-only in the database)', async () => {
    await expect(ledger.db.query(`UPDATE ledger_events SET type = 'X'`)).rejects.toThrow(/append-only/);
    await expect(ledger.db.query('DELETE FROM ledger_events')).rejects.toThrow(/append-only/);
    await expect(ledger.db.query('TRUNCATE ledger_events')).rejects.toThrow(/append-only/);
  });

  it('refuses a version gap in a stream', async () => {
    await expect(
      ledger.db.query(
        `INSERT INTO ledger_events (event_id, stream_id, version, type, schema_version, data, occurred_at)
         VALUES (gen_random_uuid(), 'account-gap@example.com', 2, 'CreditsPurchased', 1, '{}', now())`,
      ),
    ).rejects.toThrow(/gap/);
  });

  it('publishes every event to LEDGER exactly once, even when the relay restarts mid-stream and republishes', async () => {
    const relay = ledger.app.get(LedgerOutboxRelay).relay;
    await eventually('outbox drained', async () => (await count('SELECT count(*) FROM outbox WHERE published_at IS NULL')) === 0);
    await relay.stop();
    await publishPayment(payment('relay@example.com', 100, 'cs_relay'));
    // The purchase is appended while the relay is down: the consumer still works, the outbox fills.
    await eventually('the purchase', async () => (await count(`SELECT count(*) FROM ledger_events WHERE stream_id = 'account-relay@example.com'`)) === 1);
    for (let i = 0; i < 40; i++) expect((await consume('relay@example.com', 1, `relay-${i}`)).ok).toBe(true);
    expect(await count('SELECT count(*) FROM outbox WHERE published_at IS NULL')).toBe(41);
    relay.start();
    await eventually('outbox drained', async () => (await count('SELECT count(*) FROM outbox WHERE published_at IS NULL')) === 0);
    await relay.stop();
    // A crash between the publish ack and the mark: the rows are published again on restart.
    await ledger.db.query(`UPDATE outbox SET published_at = NULL WHERE id IN (SELECT id FROM outbox ORDER BY id DESC LIMIT 20)`);
    relay.start();
    await eventually('outbox drained again', async () => (await count('SELECT count(*) FROM outbox WHERE published_at IS NULL')) === 0);
    const events = await count('SELECT count(*) FROM ledger_events');
    await eventually('every event in the stream once', async () => (await streamMessages()) === events);
    expect(await streamMessages()).toBe(events);
  });

  it('replays the event log into projections equal to the live ones, and repairs a corrupted one', async () => {
    await eventually('outbox drained', async () => (await count('SELECT count(*) FROM outbox WHERE published_at IS NULL')) === 0);
    const events = await count('SELECT count(*) FROM ledger_events');
    const clean = await replayLedger(ledger.db);
    expect(clean).toMatchObject({ events, differences: [], violations: [], replaced: true });
    expect(clean.accounts).toBe(await count('SELECT count(*) FROM ledger_accounts'));

    await ledger.db.query(`UPDATE ledger_accounts SET balance = balance + 1 WHERE stream_id = 'account-race@example.com'`);
    await ledger.db.query(`UPDATE ledger_lots SET credits_remaining = credits_remaining - 1 WHERE stream_id = 'account-relay@example.com'`);
    const dirty = await replayLedger(ledger.db, { dryRun: true });
    expect(dirty.differences.map((d) => `${d.streamId} ${d.table}`).sort()).toEqual(
      expect.arrayContaining(['account-race@example.com ledger_accounts', 'account-relay@example.com ledger_lots']),
    );
    expect(dirty.replaced).toBe(false);
    expect(await balanceOf('race@example.com')).toBe(7); // dry run left the corruption in place

    const repair = await replayLedger(ledger.db);
    expect(repair.differences.length).toBeGreaterThan(0);
    expect(repair.replaced).toBe(true);
    expect(await balanceOf('race@example.com')).toBe(6);
    expect((await replayLedger(ledger.db)).differences).toEqual([]);
  });

  it('writes the same events and answers batched (group commit) as one command at a time', async () => {
    const store = ledger.app.get(CreditAccountStore);
    await publishPayment(payment('single@example.com', 60, 'cs_single'));
    await publishPayment(payment('batch@example.com', 60, 'cs_batch'));
    await eventually('purchases', async () => (await balanceOf('single@example.com')) === 60 && (await balanceOf('batch@example.com')) === 60);
    const plan = Array.from({ length: 45 }, (_, i) => ({ credits: 1 + ((i * 7) % 5), ref: `r${(i * 11) % 30}`, actionType: i % 3 ? 'gen' : 'img' }));
    const command = (email: string, p: (typeof plan)[number]) => ({ email, domain: 'a.test', credits: p.credits, actionType: p.actionType, referenceId: `${email}-${p.ref}` });
    const single = [];
    for (const p of plan) single.push(await store.consume(command('single@example.com', p)));
    const batched = [];
    for (let at = 0; at < plan.length; at += 8) batched.push(...(await store.consumeBatch(plan.slice(at, at + 8).map((p) => command('batch@example.com', p)))));
    const shape = (r: Awaited<ReturnType<typeof store.consume>>) => (r.ok ? { balance: r.value.balance, repeated: r.value.repeated } : r.refusal.code);
    expect(batched.map(shape)).toEqual(single.map(shape));
    const events = async (email: string) =>
      (await ledger.db.query(`SELECT version, type, data FROM ledger_events WHERE stream_id = $1 ORDER BY version`, [`account-${email}`])).rows.map((r) => ({
        version: r.version, type: r.type, credits: r.data.credits, balanceAfter: r.data.balanceAfter, draws: r.data.draws?.length,
      }));
    expect(await events('batch@example.com')).toEqual(await events('single@example.com'));
    expect((await replayLedger(ledger.db, { dryRun: true })).differences).toEqual([]);
  });

  it('writes one event for the same referenceId sent 50 times at once, on one account and across accounts', async () => {
    await publishPayment(payment('same@example.com', 100, 'cs_same'));
    await publishPayment(payment('other@example.com', 100, 'cs_other'));
    await eventually('purchases', async () => (await balanceOf('same@example.com')) === 100 && (await balanceOf('other@example.com')) === 100);
    const replies = await Promise.all(Array.from({ length: 50 }, () => consume('same@example.com', 3, 'once')));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect(new Set(replies.map((r) => (r.ok ? r.value.eventId : ''))).size).toBe(1);
    expect(replies.filter((r) => r.ok && !r.value.repeated)).toHaveLength(1);
    const crossed = await Promise.all(Array.from({ length: 50 }, (_, i) => consume(i % 2 ? 'same@example.com' : 'other@example.com', 2, 'shared-ref')));
    expect(crossed.filter((r) => r.ok && !r.value.repeated)).toHaveLength(1);
    expect(crossed.filter((r) => !r.ok).every((r) => !r.ok && r.refusal.code === 'reference_conflict')).toBe(true);
    expect(await count(`SELECT count(*) FROM ledger_events WHERE data->>'referenceId' IN ('once', 'shared-ref')`)).toBe(2);
    expect((await balanceOf('same@example.com')) + (await balanceOf('other@example.com'))).toBe(200 - 3 - 2);
  });
});
