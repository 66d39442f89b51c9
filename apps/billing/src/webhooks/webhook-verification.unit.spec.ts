import Stripe from 'stripe';
import { signedTimestampSeconds, verifyWebhook, webhookToleranceSeconds } from './webhook-verification';

// No network: the SDK's webhook helpers are pure HMAC and JSON.
const stripe = new Stripe('sk_test_unit', { telemetry: false });
const secret = 'whsec_unit_secret';
const nowSeconds = 1_800_000_000;
const event = { id: 'evt_unit_1', object: 'event', type: 'checkout.session.completed', created: nowSeconds - 5, data: { object: { object: 'checkout.session' } } };

function verify(payload: string, options: { timestamp?: number; signWith?: string; header?: string } = {}) {
  const header = options.header ?? stripe.webhooks.generateTestHeaderString({ payload, secret: options.signWith ?? secret, timestamp: options.timestamp ?? nowSeconds });
  return verifyWebhook(stripe.webhooks, Buffer.from(payload), header, secret, nowSeconds * 1000);
}

const codeOf = (result: ReturnType<typeof verify>) => (result.ok ? 'ok' : result.refusal.code);

describe('verifyWebhook', () => {
  it('returns the event of a correctly signed delivery', () => {
    expect(verify(JSON.stringify(event))).toEqual({ ok: true, event });
  });

  // ±1 edges of the 300 s tolerance, both directions.
  it.each([
    ['300 s old', -webhookToleranceSeconds, 'ok'],
    ['301 s old', -webhookToleranceSeconds - 1, 'webhook_timestamp_out_of_tolerance'],
    ['300 s ahead', webhookToleranceSeconds, 'ok'],
    ['301 s ahead', webhookToleranceSeconds + 1, 'webhook_timestamp_out_of_tolerance'],
    ['10 min ahead', 600, 'webhook_timestamp_out_of_tolerance'],
  ])('a signature timestamp %s: %s', (_, offsetSeconds, code) => {
    expect(codeOf(verify(JSON.stringify(event), { timestamp: nowSeconds + offsetSeconds }))).toBe(code);
  });

  it.each([
    ['signed with another secret', { signWith: 'whsec_other' }],
    ['a header without v1', { header: `t=${nowSeconds}` }],
    ['an empty header', { header: '' }],
    ['a header without timestamp', { header: 'v1=abc' }],
  ])('refuses %s as webhook_signature_invalid', (_, options) => {
    expect(codeOf(verify(JSON.stringify(event), options))).toBe('webhook_signature_invalid');
  });

  it('checks the signature before the timestamp (a forged future delivery is a bad signature)', () => {
    expect(codeOf(verify(JSON.stringify(event), { signWith: 'whsec_other', timestamp: nowSeconds + 600 }))).toBe('webhook_signature_invalid');
  });

  it.each([
    ['not JSON', 'hello'],
    ['a JSON array', '[1,2]'],
    ['not an event object', JSON.stringify({ ...event, object: 'charge' })],
    ['an event without id', JSON.stringify({ ...event, id: undefined })],
    ['an event without data.object', JSON.stringify({ ...event, data: {} })],
    ['a thin (v2) event notification', JSON.stringify({ id: 'evt_1', object: 'v2.core.event', type: 'x' })],
    ['an event with a NUL in a field (JSON escape)', JSON.stringify({ ...event, data: { object: { object: 'checkout.session', customer_email: 'a\u0000@example.com' } } })],
    ['an event with a lone surrogate in a metadata key', JSON.stringify({ ...event, data: { object: { object: 'checkout.session', metadata: { ['k\ud800']: '1' } } } })],
  ])('refuses a signed body that is %s as webhook_payload_invalid', (_, payload) => {
    expect(codeOf(verify(payload))).toBe('webhook_payload_invalid');
  });
});

describe('signedTimestampSeconds', () => {
  it.each([
    ['t=123,v1=abc', 123],
    ['v1=abc,t=5', 5],
    ['t=1,t=2,v1=abc', 2],
    ['t=12x,v1=abc', undefined],
    ['v1=abc', undefined],
  ])('%s → %s', (header, expected) => {
    expect(signedTimestampSeconds(header)).toBe(expected);
  });
});
