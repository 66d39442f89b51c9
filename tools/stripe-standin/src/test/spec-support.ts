// Shared pieces of the stand-in's integration specs: a webhook receiver that verifies signatures as the
// billing service does (`constructEvent`, default 300 s tolerance against the wall clock), an SDK client
// pointed at the stand-in, and small callers of the /test helpers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import type { StripeStandin } from '../standin';

/** The secret the receiver checks and the stand-in signs with in these specs. */
export const SPEC_WEBHOOK_SECRET = 'whsec_spec_receiver_secret';

const verifier = new Stripe('sk_test_verifier', { telemetry: false });

/** One accepted delivery. */
export interface Received {
  event: Stripe.Event;
  rawBody: string;
  signature: string;
}

/** A running receiver: accepted deliveries in arrival order, and the rejection messages. */
export interface Receiver {
  url: string;
  received: Received[];
  rejected: string[];
  /** Types of the events received since index `from`. */
  typesSince(from: number): string[];
  close(): Promise<void>;
}

/** A webhook endpoint that accepts only correctly signed, fresh deliveries (200) and rejects the rest (400). */
export async function startReceiver(secret = SPEC_WEBHOOK_SECRET): Promise<Receiver> {
  const received: Received[] = [];
  const rejected: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const signature = String(request.headers['stripe-signature'] ?? '');
      try {
        received.push({ event: verifier.webhooks.constructEvent(rawBody, signature, secret), rawBody, signature });
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"received":true}');
      } catch (error) {
        rejected.push((error as Error).message);
        response.writeHead(400).end('bad signature');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    rejected,
    typesSince: (from) => received.slice(from).map((delivery) => delivery.event.type),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The official SDK, pointed at the stand-in. */
export function sdk(standin: StripeStandin, key = 'sk_test_spec'): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: standin.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}

/** POSTs a JSON body to a /test helper and returns status and parsed JSON. */
export async function helper<T = Record<string, unknown>>(standin: StripeStandin, path: string, body?: object): Promise<{ status: number; body: T }> {
  const init: RequestInit = body === undefined ? { method: 'POST' } : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const response = await fetch(`${standin.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as T };
}

/** Helper answer that lists the ids of the events it stored. */
export interface EventsReply {
  events: string[];
}

/** Advances the simulated clock; returns the delivered event ids. */
export async function advance(standin: StripeStandin, time: { days?: number; seconds?: number }): Promise<EventsReply & { now: number }> {
  const { status, body } = await helper<EventsReply & { now: number }>(standin, '/test/clock/advance', time);
  if (status !== 200) throw new Error(`clock advance answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** Waits until every webhook queued by API calls has been attempted. */
export async function drain(standin: StripeStandin): Promise<void> {
  await helper(standin, '/test/webhooks/drain');
}

/** Types of the stored events with these ids, in the order given. */
export function typesOf(standin: StripeStandin, ids: readonly string[]): string[] {
  return ids.map((id) => standin.state.events.find((event) => event.id === id)?.type ?? `missing ${id}`);
}

/** The error a Stripe call fails with (fails the test if it succeeds). */
export async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the Stripe call to fail');
}
