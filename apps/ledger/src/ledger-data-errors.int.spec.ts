/**
 * Bad bytes in the ledger, over real NATS and PostgreSQL: a command carrying text PostgreSQL
 * cannot store is refused at the door (`validation_failed` naming the field, nothing written), and
 * should one reach the database anyway (a path that skipped validation), the database's data
 * error is a `validation_failed` refusal for that command alone: never a retryable
 * `service_unavailable`, never a failure of the other commands of its group-commit batch, and not
 * retried (the same bytes fail the same way).
 */
import { BillingEventSubjects, ConsumeCreditsCommand, LedgerSubjects, PaymentSucceededV1, Reply } from '@credit-hub/contracts';
import { dataErrorOf } from '@credit-hub/service-kit';
import { eventually } from '@credit-hub/testing';
import { CreditAccountStore } from './credit-accounts/credit-account.store';
import { AccountCommands } from './credit-accounts/account-commands';
import { LedgerPipeline } from './credit-accounts/ledger.pipeline';
import { useLedgerHarness } from './test/ledger-harness';

const ledger = useLedgerHarness({ name: 'ledger-bytes-test', databasePrefix: 'ledgerbytes' });
const { send } = ledger;
const domain = 'a.test';

async function balanceOf(email: string): Promise<number> {
  const reply = await send<{ balance: number }>(LedgerSubjects.getBalance, { email });
  if (!reply.ok) throw new Error(reply.refusal.detail);
  return reply.value.balance;
}

async function eventCount(): Promise<number> {
  return Number((await ledger.db.query('SELECT count(*) FROM ledger_events')).rows[0].count);
}

async function buy(email: string, credits: number, session: string): Promise<void> {
  const p: PaymentSucceededV1 = {
    stripeEventId: `evt_${session}`, checkoutSessionId: session, paymentIntentId: `pi_${session}`, domain, offeringId: 'pack', email, credits,
    amountMinor: credits * 10, currency: 'usd', scopeDomain: null, paidAt: new Date().toISOString(),
  };
  await ledger.publish(BillingEventSubjects.paymentSucceeded, p, p.stripeEventId);
  await eventually(`purchase ${session}`, async () => (await balanceOf(email)) === credits);
}

describe('bad bytes in ledger commands', () => {
  it('refuses NUL and lone surrogates in every string of a command over NATS, naming the field, writing nothing', async () => {
    await buy('bytes@example.com', 50, 'cs_bytes');
    const before = await eventCount();
    const consume = { email: 'bytes@example.com', domain, credits: 1, actionType: 'gen', referenceId: 'ok-ref' };
    const cases: [string, unknown, string][] = [
      [LedgerSubjects.consumeCredits, { ...consume, referenceId: 'a\u0000b' }, 'referenceId'],
      [LedgerSubjects.consumeCredits, { ...consume, referenceId: 'a\ud800b' }, 'referenceId'],
      [LedgerSubjects.consumeCredits, { ...consume, referenceId: '\udc00' }, 'referenceId'],
      [LedgerSubjects.reserveCredits, { ...consume, referenceId: 'r\u0000' }, 'referenceId'],
      [LedgerSubjects.grantCredits, { email: 'bytes@example.com', domain, credits: 5, grantId: 'g-1', reason: 'goodwill \u0000' }, 'reason'],
      [LedgerSubjects.grantCredits, { email: 'bytes@example.com', domain, credits: 5, grantId: 'g-2', reason: 'lone \ud83d' }, 'reason'],
    ];
    for (const [subject, payload, field] of cases) {
      const reply = await send(subject, payload);
      expect({ subject, reply }).toEqual({ subject, reply: { ok: false, refusal: expect.objectContaining({ code: 'validation_failed', field }) } });
    }
    expect(await eventCount()).toBe(before);
    expect(await balanceOf('bytes@example.com')).toBe(50);
  });

  it('answers a data error of the database for the offending command only, at once, without failing its batch', async () => {
    await buy('batchmate@example.com', 20, 'cs_batchmate');
    const store = ledger.app.get(CreditAccountStore);
    const handlers = ledger.app.get(AccountCommands) as unknown as { run: (what: string, command: object, work: (c: ConsumeCreditsCommand) => Promise<Reply<unknown>>) => Promise<Reply<unknown>> };
    const batchWrites = jest.spyOn(ledger.app.get(LedgerPipeline), 'write');
    const command = (referenceId: string): ConsumeCreditsCommand => ({ email: 'batchmate@example.com', domain, credits: 1, actionType: 'gen', referenceId });
    // Past validation, straight to the store and its pipeline (one turn: one batch), so the NUL reaches PostgreSQL.
    const replies = await Promise.all(['m-1', 'm-2', 'm-\u0000-3', 'm-4', 'm-5'].map((ref) => handlers.run('consume', command(ref), (c) => store.consume(c))));
    expect(replies.map((r) => (r.ok ? 'ok' : r.refusal.code))).toEqual(['ok', 'ok', 'validation_failed', 'ok', 'ok']);
    // One batch attempt, then each command alone: the failing batch is not written again.
    expect(batchWrites.mock.calls.filter((call) => call[0].length === 5)).toHaveLength(1);
    expect(batchWrites.mock.calls.filter((call) => call[0].length === 1)).toHaveLength(5);
    batchWrites.mockRestore();
    expect(await balanceOf('batchmate@example.com')).toBe(16);
  });

  it('answers a data error of any other command with validation_failed, not a retryable service_unavailable', async () => {
    const store = ledger.app.get(CreditAccountStore);
    const grant = { email: 'bytes@example.com', domain, credits: 1, grantId: 'g-nul', reason: 'x\u0000' };
    // The store itself (past validation) meets PostgreSQL's refusal: a data exception, class 22.
    const thrown = await store.grant(grant).catch((error: unknown) => error);
    expect(dataErrorOf(thrown)?.sqlState).toMatch(/^22/);
    // The handlers' runner (what every command goes through after validation) answers it as bad input.
    const handlers = ledger.app.get(AccountCommands) as unknown as { run: (what: string, command: object, work: (c: typeof grant) => Promise<Reply<unknown>>) => Promise<Reply<unknown>> };
    const reply = await handlers.run('grant', grant, (c) => store.grant(c));
    expect(reply).toEqual({ ok: false, refusal: expect.objectContaining({ code: 'validation_failed' }) });
    expect(await eventCount()).toBeGreaterThan(0);
    expect(await balanceOf('bytes@example.com')).toBe(50);
  });
});
