/**
 * Property of the ledger pipeline on real PostgreSQL and NATS: the same sequence of consumes gives
 * the same answers and the same events whether it runs one by one (each command a batch of one),
 * cut into batches of any sizes (one transaction each), or coalesced (the whole sequence in one
 * NATS message on the batch subject, as the gateway sends concurrent consumes).
 */
import { ConsumeCreditsBatchResult, ConsumeCreditsResult, LedgerSubjects, Reply } from '@credit-hub/contracts';
import { eventually } from '@credit-hub/testing';
import fc from 'fast-check';
import { Client } from 'pg';
import { CreditAccountStore } from './credit-accounts/credit-account.store';
import { useLedgerHarness } from './test/ledger-harness';

const ledger = useLedgerHarness({ name: 'ledger-test', databasePrefix: 'ledger' });
let store: CreditAccountStore;
let run = 0;

beforeAll(async () => {
  store = ledger.app.get(CreditAccountStore);
});

interface Spec {
  who: number;
  credits: number;
  ref: number;
  action: string;
}

const specArbitrary = fc.record({
  who: fc.integer({ min: 0, max: 2 }),
  credits: fc.integer({ min: 1, max: 12 }),
  ref: fc.integer({ min: 0, max: 12 }), // few references: repeats and cross-account conflicts happen often
  action: fc.constantFrom('gen', 'img'),
});

/** Three customers of a fresh domain, funded with 20, 30 and 40 credits by grants. */
async function fundedDomain(mode: string): Promise<{ domain: string; emails: string[] }> {
  const domain = `p${run}-${mode}.test`;
  const emails = [0, 1, 2].map((i) => `c${i}@${domain}`);
  for (const [i, email] of emails.entries()) {
    const granted = await store.grant({ email, domain, credits: 20 + i * 10, grantId: `fund-${i}`, reason: 'property test' });
    if (!granted.ok) throw new Error(granted.refusal.detail);
  }
  return { domain, emails };
}

function commandsOf(specs: Spec[], domain: string, emails: string[]) {
  return specs.map((s) => ({ email: emails[s.who], domain, credits: s.credits, actionType: s.action, referenceId: `r${s.ref}` }));
}

/** What must match across modes: the answer (its eventId compared through the events' order). */
function shape(reply: Reply<ConsumeCreditsResult>): unknown {
  return reply.ok ? { balance: reply.value.balance, repeated: reply.value.repeated } : reply.refusal.code;
}

/** Every event of the domain's customers, per customer in stream order, without ids and times. */
async function eventsOf(emails: string[]): Promise<unknown[]> {
  const { rows } = await ledger.db.query(
    `SELECT stream_id, version, type, data FROM ledger_events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version`,
    [emails.map((e) => `account-${e}`)],
  );
  return rows.map((r) => ({
    customer: emails.indexOf(r.stream_id.slice('account-'.length)), version: r.version, type: r.type, credits: r.data.credits,
    referenceId: r.data.referenceId, balanceAfter: r.data.balanceAfter, draws: r.data.draws?.map((d: { credits: number }) => d.credits),
  }));
}

describe('ledger pipeline', () => {
  it('gives the same answers and events one by one, in batches of any size, and coalesced in one message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArbitrary, { minLength: 1, maxLength: 40 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }), async (specs, cuts) => {
        run++;
        // one by one
        const single = await fundedDomain('single');
        const singleAnswers: Reply<ConsumeCreditsResult>[] = [];
        for (const command of commandsOf(specs, single.domain, single.emails)) singleAnswers.push(await store.consume(command));
        // cut into batches, one transaction each
        const batched = await fundedDomain('batched');
        const commands = commandsOf(specs, batched.domain, batched.emails);
        const batchedAnswers: Reply<ConsumeCreditsResult>[] = [];
        for (let at = 0, b = 0; at < commands.length; b++) {
          const size = cuts[b % cuts.length];
          batchedAnswers.push(...(await store.consumeBatch(commands.slice(at, at + size))));
          at += size;
        }
        // coalesced: the whole sequence in one message on the batch subject
        const coalesced = await fundedDomain('coalesced');
        const message = await ledger.nc.request(LedgerSubjects.consumeCreditsBatch, Buffer.from(JSON.stringify({
          pattern: LedgerSubjects.consumeCreditsBatch, id: '1', data: { commands: commandsOf(specs, coalesced.domain, coalesced.emails) },
        })), { timeout: 10_000 });
        const packet = JSON.parse(Buffer.from(message.data).toString('utf8')) as { response: Reply<ConsumeCreditsBatchResult> };
        if (!packet.response.ok) throw new Error(packet.response.refusal.detail);
        const coalescedAnswers = packet.response.value.results;

        const expected = singleAnswers.map(shape);
        expect(batchedAnswers.map(shape)).toEqual(expected);
        expect(coalescedAnswers.map(shape)).toEqual(expected);
        const expectedEvents = await eventsOf(single.emails);
        expect(await eventsOf(batched.emails)).toEqual(expectedEvents);
        expect(await eventsOf(coalesced.emails)).toEqual(expectedEvents);
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('decides the commands on one account in the order they were submitted, even while an earlier one is held up in the database', async () => {
    const email = 'order@ordered.test';
    const streamId = `account-${email}`;
    // Another transaction creates the account row and does not commit yet: the grant's batch, which
    // creates the row first, waits on it in PostgreSQL.
    const blocker = new Client({ connectionString: ledger.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`INSERT INTO ledger_accounts (stream_id, email, version, balance) VALUES ($1, $2, 0, 0)`, [streamId, email]);
      const grant = store.grant({ email, domain: 'ordered.test', credits: 10, grantId: 'first', reason: 'order test' });
      await eventually('the grant waits on the row', async () => {
        const { rows } = await ledger.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return rows[0].n === 1;
      });
      // Submitted after the grant, so decided after it: spends the granted credits. Decided in a
      // transaction of its own that ran ahead, it would find no account and no credits.
      const consume = store.consume({ email, domain: 'ordered.test', credits: 4, actionType: 'gen', referenceId: 'after-grant' });
      const early = await Promise.race([consume.then(() => 'answered'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 300))]);
      await blocker.query('ROLLBACK');
      expect(await grant).toMatchObject({ ok: true, value: { balance: 10, repeated: false } });
      expect(await consume).toMatchObject({ ok: true, value: { balance: 6, repeated: false } });
      expect(early).toBe('waiting');
    } finally {
      await blocker.end();
    }
  });
});
