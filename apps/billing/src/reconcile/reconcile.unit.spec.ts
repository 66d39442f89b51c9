import { formatReport, parseReconcileArgs } from '../cli/reconcile-args';
import { compare, factsInWindow, windowStart, windowSecondsMax } from './reconcile';

const now = 1_800_000_000;

describe('windowStart', () => {
  it.each([
    ['3d', now - 3 * 86_400],
    ['12h', now - 12 * 3600],
    ['90m', now - 90 * 60],
    ['90d', now - windowSecondsMax],
    ['2027-01-14T08:00:00Z', Date.parse('2027-01-14T08:00:00Z') / 1000],
  ])('%s', (since, start) => {
    expect(windowStart(since, now)).toBe(start);
  });

  it.each(['91d', '2030-01-01T00:00:00Z', 'yesterday', '2020-01-01'])('refuses %s (too long, in the future or unreadable)', (since) => {
    expect(windowStart(since, now)).toBeUndefined();
  });
});

describe('compare', () => {
  const fact = (email: string) => ({ eventId: 'e', email, at: null });
  const empty = { paidSessions: [], paidInvoices: [], ledgerPurchases: new Map(), ledgerPlanGrants: new Map(), paidSessionIds: new Set<string>(), billingGrantIds: new Set<string>() };

  it('agrees when both sides have the same', () => {
    expect(compare({
      ...empty,
      paidSessions: [{ id: 'cs_1', email: 'a@x' }], ledgerPurchases: new Map([['cs_1', fact('a@x')]]), paidSessionIds: new Set(['cs_1']),
      paidInvoices: [{ id: 'in_1', email: 'a@x', grantId: 'plan:sub_1:1' }], ledgerPlanGrants: new Map([['plan:sub_1:1', fact('a@x')]]), billingGrantIds: new Set(['plan:sub_1:1']),
    })).toEqual([]);
  });

  it('finds each kind of disagreement, in a fixed order', () => {
    const findings = compare({
      ...empty,
      paidSessions: [{ id: 'cs_paid', email: 'a@x' }],
      paidInvoices: [{ id: 'in_paid', email: 'b@x', grantId: 'plan:sub_1:1' }],
      ledgerPurchases: new Map([['cs_ghost', fact('c@x')]]),
      ledgerPlanGrants: new Map([['plan:sub_9:9', fact('d@x')]]),
    });
    expect(findings.map((finding) => [finding.kind, finding.id, finding.email])).toEqual([
      ['paid_session_without_purchase', 'cs_paid', 'a@x'],
      ['paid_invoice_without_grant', 'in_paid', 'b@x'],
      ['purchase_without_paid_session', 'cs_ghost', 'c@x'],
      ['plan_grant_unknown_to_billing', 'plan:sub_9:9', 'd@x'],
    ]);
  });
});

describe('reconcile CLI arguments', () => {
  it.each([
    [['--since', '3d'], { ok: true, since: '3d', json: false, process: true }],
    [['--since=12h', '--json', '--no-process'], { ok: true, since: '12h', json: true, process: false }],
  ])('%j', (argv, parsed) => {
    expect(parseReconcileArgs(argv)).toEqual(parsed);
  });

  it.each([[[]], [['--since']], [['--sinse', '3d']]])('refuses %j with the usage', (argv) => {
    expect(parseReconcileArgs(argv)).toMatchObject({ ok: false, help: false, message: expect.stringContaining('usage: npm run reconcile') });
  });

  it('prints a report a person can read', () => {
    const text = formatReport({
      from: 'a', to: 'b', eventsListed: 3, eventsMissing: ['evt_1'], eventsProcessed: [{ id: 'evt_1', type: 'checkout.session.completed', outcome: 'processed' }],
      paidSessions: 1, paidInvoices: 0, ledgerPurchases: 1, ledgerPlanGrants: 0, findings: [], ok: true,
    });
    expect(text).toContain('1 missing from billing\'s inbox\n    evt_1 checkout.session.completed: processed');
    expect(text).toContain('none: Stripe, billing and the ledger agree');
  });
});

describe('factsInWindow', () => {
  // After a demo the Stripe stand-in's clock was moved a month ahead: the stream, read from the
  // earliest wall time the window can map to, holds purchases paid before the move too. Only those
  // paid inside the window on Stripe's clock are compared with Stripe's list of the same window.
  it("keeps the facts whose Stripe time is in the window, and those without a time", () => {
    const from = Date.parse('2027-02-14T00:00:00Z') / 1000;
    const facts = new Map([
      ['cs_before_the_move', { eventId: 'e1', email: 'a@x', at: '2027-01-14T10:00:00.000Z' }],
      ['cs_at_the_start', { eventId: 'e2', email: 'a@x', at: '2027-02-14T00:00:00.000Z' }],
      ['cs_after_the_move', { eventId: 'e3', email: 'a@x', at: '2027-02-14T09:00:00.000Z' }],
      ['cs_without_time', { eventId: 'e4', email: 'a@x', at: null }],
    ]);
    expect([...factsInWindow(facts, from).keys()]).toEqual(['cs_at_the_start', 'cs_after_the_move', 'cs_without_time']);
  });
});
