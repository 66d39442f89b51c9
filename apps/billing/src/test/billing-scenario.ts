// Test-only helpers for billing's subscription, dispute and refund scenarios on the harness.
import { BillingEventSubjects, BillingSubjects, CreateCheckoutResult, HandleStripeWebhookResult, Reply } from '@credit-hub/contracts';
import { BillingHarness, completeInStandin, signedWebhook } from './billing-harness';

/** A POST to a /test helper of the stand-in; throws on a non-2xx answer. */
export async function standinPost<T = Record<string, unknown>>(harness: BillingHarness, path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(`${harness.standin.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`stand-in ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Moves the stand-in's clock; `deliver: false` stores the events without delivering them. */
export async function advanceDays(harness: BillingHarness, days: number, deliver = true): Promise<string[]> {
  const result = await standinPost<{ events: string[] }>(harness, '/test/clock/advance', { days, deliver });
  return result.events;
}

/** Opens a checkout through billing (as the gateway does); returns the session id. */
export async function openCheckout(harness: BillingHarness, offeringId: string, email: string, domain = 'demo.localhost'): Promise<string> {
  const reply = await harness.request<CreateCheckoutResult>(BillingSubjects.createCheckout, {
    domain, offeringId, email, successUrl: 'http://demo.localhost/ok', cancelUrl: 'http://demo.localhost/pricing',
  });
  if (!reply.ok) throw new Error(JSON.stringify(reply.refusal));
  return reply.value.sessionId;
}

/** Checkout then completion in the stand-in, delivered (or only stored); returns the session as completed. */
export async function subscribe(harness: BillingHarness, offeringId: string, email: string, deliver = true): Promise<{ sessionId: string; subscriptionId: string; customerId: string; events: string[] }> {
  const sessionId = await openCheckout(harness, offeringId, email);
  const completed = await standinPost<{ event: { data: { object: { subscription: string; customer: string } } }; events: string[] }>(
    harness, `/test/checkout/sessions/${sessionId}/complete`, { deliver },
  );
  const session = completed.event.data.object;
  return { sessionId, subscriptionId: session.subscription, customerId: session.customer, events: completed.events };
}

/** Buys a pack; the completion is delivered; returns the session, its payment intent and charge. */
export async function buyPack(harness: BillingHarness, offeringId: string, email: string, domain = 'demo.localhost'): Promise<{ sessionId: string; paymentIntentId: string; chargeId: string; eventId: string }> {
  const sessionId = await openCheckout(harness, offeringId, email, domain);
  const event = await completeInStandin(harness.standin, sessionId);
  const reply = await deliverEvent(harness, event);
  if (!reply.ok || reply.value.outcome !== 'processed') throw new Error(`pack payment not processed: ${JSON.stringify(reply)}`);
  const paymentIntentId = (event['data'] as { object: { payment_intent: string } }).object.payment_intent;
  const chargeId = harness.standin.state.paymentIntents.get(paymentIntentId)?.latest_charge;
  if (!chargeId) throw new Error(`no charge for ${paymentIntentId}`);
  return { sessionId, paymentIntentId, chargeId, eventId: event['id'] as string };
}

/** Signs and delivers an event (a stored one by id, or the object itself) to billing. */
export async function deliverEvent(harness: BillingHarness, event: Record<string, unknown> | string): Promise<Reply<HandleStripeWebhookResult>> {
  const object = typeof event === 'string' ? harness.standin.state.events.find((candidate) => candidate.id === event) : event;
  if (!object) throw new Error(`no stored event ${String(event)}`);
  return harness.request<HandleStripeWebhookResult>(BillingSubjects.handleStripeWebhook, signedWebhook(harness.stripe, JSON.stringify(object)));
}

/** Delivers `ids` in a seeded random order, each `times` times; returns the outcomes. */
export async function deliverShuffled(harness: BillingHarness, ids: string[], times: number, seed = 7): Promise<string[]> {
  const deliveries = ids.flatMap((id) => Array.from({ length: times }, () => id));
  let state = seed;
  const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }
  const outcomes: string[] = [];
  for (const id of deliveries) {
    const reply = await deliverEvent(harness, id);
    outcomes.push(reply.ok ? reply.value.outcome : reply.refusal.code);
  }
  return outcomes;
}

/** Types of the stored events `ids`, in order. */
export function typesOf(harness: BillingHarness, ids: string[]): string[] {
  return ids.map((id) => harness.standin.state.events.find((event) => event.id === id)?.type ?? '?');
}

/** Outbox messages of `subject` (payloads), oldest first, optionally only those whose payload matches `where`. */
export async function outbox<T = Record<string, unknown>>(harness: BillingHarness, subject: string, where: Record<string, unknown> = {}): Promise<T[]> {
  const rows: { payload: T }[] = await harness.dataSource.query('SELECT payload FROM outbox WHERE subject = $1 AND payload @> $2::jsonb ORDER BY id', [subject, JSON.stringify(where)]);
  return rows.map((row) => row.payload);
}

/** The billing subject names, for readable assertions. */
export const subjects = BillingEventSubjects;

/** Unix seconds → ISO, as billing writes times. */
export const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();
