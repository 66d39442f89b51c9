import { randomUUID } from 'node:crypto';
import { BillingSubscriptionSubjects, LedgerEventTypeSubjects, ReconcileReport } from '@credit-hub/contracts';
import { BillingHarness, completeInStandin, startBillingHarness } from '../test/billing-harness';
import { advanceDays, deliverEvent, openCheckout, subscribe } from '../test/billing-scenario';

describe('reconcile (real PostgreSQL, NATS with stream LEDGER, Stripe stand-in)', () => {
  let harness: BillingHarness;

  beforeAll(async () => {
    harness = await startBillingHarness();
  });

  afterAll(async () => {
    await harness?.close();
  });

  const reconcile = async (since = '3d', process?: boolean) => {
    const reply = await harness.request<ReconcileReport>(BillingSubscriptionSubjects.reconcile, { since, ...(process === undefined ? {} : { process }) });
    if (!reply.ok) throw new Error(JSON.stringify(reply.refusal));
    return reply.value;
  };

  /**
   * Publishes a ledger event on stream LEDGER the way the ledger's relay does, with its time
   * (`purchasedAt` / `grantedAt`: now unless given, as the ledger stamps them from Stripe's event).
   */
  async function publishLedger(type: 'CreditsPurchased' | 'CreditsGranted', fields: Record<string, unknown>): Promise<void> {
    const timeField = type === 'CreditsPurchased' ? 'purchasedAt' : 'grantedAt';
    const data = { [timeField]: new Date().toISOString(), ...fields };
    const eventId = randomUUID();
    const envelope = { eventId, type, schemaVersion: 1, streamId: `account-${String(data['email'])}`, version: 1, position: 1, occurredAt: new Date().toISOString(), data, metadata: {} };
    await harness.nc.jetstream().publish(LedgerEventTypeSubjects[type], Buffer.from(JSON.stringify(envelope)), { msgID: eventId });
  }

  it('processes a paid checkout whose webhook never came, once, and reports it uncredited until the ledger has it', async () => {
    const sessionId = await openCheckout(harness, 'pro_100', 'lost-webhook@example.com');
    const event = await completeInStandin(harness.standin, sessionId); // stored by Stripe, never delivered
    const first = await reconcile();
    expect(first.eventsMissing).toContain(event['id']);
    expect(first.eventsProcessed).toContainEqual({ id: event['id'], type: 'checkout.session.completed', outcome: 'processed' });
    const [row] = await harness.dataSource.query('SELECT source, outcome FROM stripe_events WHERE stripe_event_id = $1', [event['id']]);
    expect(row).toEqual({ source: 'reconcile', outcome: 'processed' });
    expect(await harness.dataSource.query('SELECT 1 FROM outbox WHERE message_id = $1', [event['id']])).toHaveLength(1);
    // No ledger runs here: Stripe says paid, the ledger has nothing.
    expect(first.findings).toContainEqual(expect.objectContaining({ kind: 'paid_session_without_purchase', id: sessionId, email: 'lost-webhook@example.com' }));
    expect(first.ok).toBe(false);

    await publishLedger('CreditsPurchased', { email: 'lost-webhook@example.com', checkoutSessionId: sessionId, lotId: randomUUID() });
    const second = await reconcile();
    expect(second.eventsMissing).not.toContain(event['id']);
    expect(second.findings.filter((finding) => finding.id === sessionId)).toEqual([]);
    // A late delivery of the same event is a duplicate: processed once, whichever came first.
    expect(await deliverEvent(harness, event)).toMatchObject({ ok: true, value: { outcome: 'duplicate' } });
  });

  it('reports the reverse: ledger purchases of sessions Stripe never saw paid, plan grants billing never asked for', async () => {
    await publishLedger('CreditsPurchased', { email: 'ghost@example.com', checkoutSessionId: 'cs_test_ghost', lotId: randomUUID() });
    await publishLedger('CreditsGranted', { email: 'ghost@example.com', grantId: 'plan:sub_test_ghost:1', source: 'plan', lotId: randomUUID() });
    await publishLedger('CreditsGranted', { email: 'ghost@example.com', grantId: 'goodwill-1', source: 'manual', lotId: randomUUID() });
    const report = await reconcile('1d');
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'purchase_without_paid_session', id: 'cs_test_ghost', email: 'ghost@example.com' }));
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'plan_grant_unknown_to_billing', id: 'plan:sub_test_ghost:1' }));
    expect(report.findings.map((finding) => finding.id)).not.toContain('goodwill-1'); // a builder's grant, not a plan's
  });

  it('reports a paid plan invoice with no grant in the ledger, and the grant billing did ask for as known', async () => {
    const { subscriptionId } = await subscribe(harness, 'builder_monthly', 'renewer@example.com');
    await advanceDays(harness, 15);
    const invoice = [...harness.standin.state.invoices.values()].find((candidate) => candidate.subscription === subscriptionId)!;
    const grantId = `plan:${subscriptionId}:${invoice.lines.data[0].period.start}`;
    const before = await reconcile('30d', false);
    expect(before.findings).toContainEqual(expect.objectContaining({ kind: 'paid_invoice_without_grant', id: invoice.id, email: 'renewer@example.com' }));
    await publishLedger('CreditsGranted', { email: 'renewer@example.com', grantId, source: 'plan', subscriptionId, lotId: randomUUID() });
    const after = await reconcile('30d', false);
    expect(after.findings.map((finding) => finding.id)).not.toContain(invoice.id);
    expect(after.findings.map((finding) => finding.id)).not.toContain(grantId); // billing's plan_grants has it
  });

  it('only lists missing events with process: false, and refuses a window it cannot read', async () => {
    const sessionId = await openCheckout(harness, 'starter_3', 'listed-only@example.com');
    const event = await completeInStandin(harness.standin, sessionId);
    const listed = await reconcile('3d', false);
    expect(listed.eventsMissing).toContain(event['id']);
    expect(listed.eventsProcessed).toEqual([]);
    for (const since of ['91d', 'yesterday']) {
      expect(await harness.request(BillingSubscriptionSubjects.reconcile, { since })).toMatchObject({ ok: false, refusal: { code: 'validation_failed', field: 'since' } });
    }
  });

  it("after Stripe's clock moved forward (as the demo does), compares the ledger's purchases of the same window on Stripe's clock", async () => {
    const paidAt = (event: Record<string, unknown>) => new Date(Number(event['created']) * 1000).toISOString();
    const early = await openCheckout(harness, 'starter_3', 'clock-early@example.com');
    const earlyEvent = await completeInStandin(harness.standin, early);
    await publishLedger('CreditsPurchased', { email: 'clock-early@example.com', checkoutSessionId: early, lotId: randomUUID(), purchasedAt: paidAt(earlyEvent) });
    await advanceDays(harness, 10); // the stand-in's clock, a month-end in the demo
    const late = await openCheckout(harness, 'starter_3', 'clock-late@example.com');
    const lateEvent = await completeInStandin(harness.standin, late);
    await publishLedger('CreditsPurchased', { email: 'clock-late@example.com', checkoutSessionId: late, lotId: randomUUID(), purchasedAt: paidAt(lateEvent) });

    const after = await reconcile('1d', false);
    // The last day on Stripe's clock holds one paid session (the late one) and one ledger purchase:
    // every other purchase on the stream, the early one included, was paid at least ten Stripe days
    // ago, though each reached the stream within the last wall-clock day (the old mapping through
    // today's clock offset counted them all).
    expect(after.paidSessions).toBe(1);
    expect(after.ledgerPurchases).toBe(1);
    expect(after.findings.map((finding) => finding.id)).not.toContain(late);
  });
});
