// Webhook delivery: POST the event as raw JSON with a `Stripe-Signature` header made by the official
// SDK's test helper, so receivers verify it with `stripe.webhooks.constructEvent` exactly as in production.
import http from 'node:http';
import https from 'node:https';
import Stripe from 'stripe';
import type { StripeEvent } from './objects';

/** Outcome of one delivery attempt: the receiver's status and body, or `status: 0` and the network error. */
export type DeliveryResult = { status: number; body: string } | { status: 0; error: string };

/** Where and how to deliver. `timeoutMs` bounds the whole attempt. */
export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs: number;
}

const MAX_RESPONSE_BODY_CHARS = 64 * 1024;

/** Only used for `webhooks.generateTestHeaderString`; it never makes a network call. */
const signer = new Stripe('sk_test_standin', { telemetry: false });

/**
 * The `Stripe-Signature` header value for `payload` (`t=<unix seconds>,v1=<hex HMAC-SHA256>`),
 * signed now with `secret` (`whsec_...`).
 */
export function signPayload(payload: string, secret: string): string {
  return signer.webhooks.generateTestHeaderString({ payload, secret });
}

/**
 * Delivers `event` to `target` once, freshly signed. Never rejects: a refused connection, bad URL
 * or timeout comes back as `{ status: 0, error }`. The body is the event as pretty-printed JSON, like Stripe's.
 */
export async function deliverEvent(event: StripeEvent, target: WebhookTarget): Promise<DeliveryResult> {
  try {
    const payload = JSON.stringify(event, null, 2);
    return await post(new URL(target.url), payload, signPayload(payload, target.secret), target.timeoutMs);
  } catch (error) {
    return { status: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

function post(url: URL, payload: string, signature: string, timeoutMs: number): Promise<DeliveryResult> {
  const client = url.protocol === 'https:' ? https : http;
  const headers = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Stripe-Signature': signature,
    'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
    Connection: 'close',
  };
  return new Promise<DeliveryResult>((resolve) => {
    const request = client.request(url, { method: 'POST', headers, agent: false }, (response) => {
      readText(response).then(
        (body) => resolve({ status: response.statusCode ?? 0, body }),
        (error: Error) => resolve({ status: 0, error: error.message }),
      );
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`webhook delivery timed out after ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ status: 0, error: error.message }));
    request.end(payload);
  });
}

function readText(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (text.length < MAX_RESPONSE_BODY_CHARS) text += chunk;
    });
    response.on('end', () => resolve(text.slice(0, MAX_RESPONSE_BODY_CHARS)));
    response.on('error', reject);
  });
}
