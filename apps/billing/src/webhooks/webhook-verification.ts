import Stripe from 'stripe';
import { connectedAccountIdPattern, Refusal, unstorableTextIn } from '@credit-hub/contracts';

/** Seconds a webhook signature timestamp may be away from now, in either direction. */
export const webhookToleranceSeconds = 300;

/** The fields of a Stripe event billing relies on, checked after verification. */
export interface VerifiedStripeEvent {
  id: string;
  type: string;
  /** Unix seconds at which Stripe created the event. */
  created: number;
  data: { object: Record<string, unknown> };
  /**
   * The connected account the event happened on (`acct_…`), set only on events of connected
   * accounts (Connect webhooks: https://docs.stripe.com/connect/webhooks); absent on the platform's.
   */
  account?: string;
}

/** A verified event, or the refusal to return. */
export type WebhookVerification = { ok: true; event: VerifiedStripeEvent } | { ok: false; refusal: Refusal };

/**
 * Verifies a webhook the way Stripe documents it, plus one check stripe-node leaves out.
 * Checked in this order (the first failure is the answer):
 * 1. `webhook_signature_invalid`: header malformed or no `v1` HMAC of the raw bytes matches `secret`.
 * 2. `webhook_timestamp_out_of_tolerance`: the signed `t=` is more than 300 s old (stripe-node) or
 *    more than 300 s in the future (checked here: stripe-node accepts any future time, which would
 *    let a captured future-dated delivery be replayed for as long as its date lies ahead).
 * 3. `webhook_payload_invalid`: the signed body is not JSON or not a Stripe event, or carries text
 *    PostgreSQL cannot store (a NUL or a lone surrogate, JSON-escaped, anywhere in the event:
 *    libs/contracts `unstorableTextIn`), which would otherwise fail its handling on every retry.
 * `nowMs` is the receive time (ms since epoch). Never throws for bad input.
 */
export function verifyWebhook(
  webhooks: Stripe.Webhooks,
  raw: Buffer,
  signature: string,
  secret: string,
  nowMs: number,
): WebhookVerification {
  let parsed: unknown;
  try {
    parsed = webhooks.constructEvent(raw, signature, secret, webhookToleranceSeconds, undefined, nowMs);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      if (/tolerance/i.test(error.message)) return timestampRefusal('is more than 300 s old');
      return refusal('webhook_signature_invalid', 'the Stripe-Signature header does not match the payload', 'signature');
    }
    // The signature matched, so the bytes are Stripe's: only the body can be wrong (not JSON, thin event).
    return refusal('webhook_payload_invalid', `the signed payload is not a Stripe event: ${(error as Error).message}`);
  }
  const timestamp = signedTimestampSeconds(signature);
  if (timestamp === undefined) return refusal('webhook_signature_invalid', 'the Stripe-Signature header has no timestamp', 'signature');
  if (timestamp - Math.floor(nowMs / 1000) > webhookToleranceSeconds) return timestampRefusal('is more than 300 s in the future');
  if (!isStripeEvent(parsed)) return refusal('webhook_payload_invalid', 'the signed payload is not a Stripe event object');
  const unstorable = unstorableTextIn(parsed, 'event');
  if (unstorable) return refusal('webhook_payload_invalid', `the signed event carries text that cannot be stored: ${unstorable.detail}`);
  return { ok: true, event: parsed };
}

/**
 * The `t=` value of a `Stripe-Signature` header (unix seconds). Like stripe-node, the last `t=`
 * wins, so this is the timestamp the verified signature covers.
 */
export function signedTimestampSeconds(header: string): number | undefined {
  let timestamp: number | undefined;
  for (const item of header.split(',')) {
    const [key, value] = item.split('=');
    if (key === 't') timestamp = value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : undefined;
  }
  return timestamp;
}

function isStripeEvent(value: unknown): value is VerifiedStripeEvent {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const event = value as Record<string, unknown>;
  const data = event['data'] as Record<string, unknown> | null | undefined;
  return (
    event['object'] === 'event' &&
    typeof event['id'] === 'string' &&
    /^evt_[A-Za-z0-9_]{1,250}$/.test(event['id']) &&
    typeof event['type'] === 'string' &&
    event['type'].length > 0 &&
    event['type'].length <= 200 &&
    Number.isSafeInteger(event['created']) &&
    data !== null &&
    typeof data === 'object' &&
    data['object'] !== null &&
    typeof data['object'] === 'object' &&
    (event['account'] === undefined || event['account'] === null || (typeof event['account'] === 'string' && connectedAccountIdPattern.test(event['account'])))
  );
}

function timestampRefusal(why: string): WebhookVerification {
  return refusal('webhook_timestamp_out_of_tolerance', `the Stripe-Signature timestamp ${why}`, 'signature');
}

function refusal(code: Refusal['code'], detail: string, field?: string): WebhookVerification {
  return { ok: false, refusal: field === undefined ? { code, detail } : { code, detail, field } };
}
