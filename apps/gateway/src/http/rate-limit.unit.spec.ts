import { bearerTokenOf, counterKeyOf, limitFor } from './rate-limit';
import { RateLimitConfig } from './rate-limit.config';

describe('rate limits', () => {
  const config = Object.assign(new RateLimitConfig(), { GATEWAY_RATE_LIMIT_PER_KEY: 10, GATEWAY_RATE_LIMIT_ANONYMOUS: 3 });

  it('gives a live key its own limit and everything else the anonymous one', () => {
    expect(limitFor({ kind: 'key', id: 'k1' }, config)).toBe(10);
    expect(limitFor({ kind: 'anonymous', address: '127.0.0.1' }, config)).toBe(3);
    expect(limitFor(undefined, config)).toBe(3);
  });

  it('counts per key or per address, over all routes', () => {
    expect(counterKeyOf({ kind: 'key', id: 'k1' })).toBe('key:k1');
    expect(counterKeyOf({ kind: 'anonymous', address: '::1' })).toBe('anonymous:::1');
  });

  it('reads the bearer token as ApiKeyGuard does', () => {
    expect(bearerTokenOf('Bearer chk_dom_abc')).toBe('chk_dom_abc');
    expect(bearerTokenOf('bearer   chk_dom_abc  ')).toBe('chk_dom_abc');
    expect(bearerTokenOf('Basic xyz')).toBeUndefined();
    expect(bearerTokenOf(undefined)).toBeUndefined();
    expect(bearerTokenOf(['Bearer a'])).toBeUndefined();
  });

  it('defaults to 5,000 requests a second per key and 1,000 without one', () => {
    const defaults = new RateLimitConfig();
    expect([defaults.GATEWAY_RATE_LIMIT_PER_KEY, defaults.GATEWAY_RATE_LIMIT_ANONYMOUS, defaults.GATEWAY_RATE_LIMIT_WINDOW_MS]).toEqual([5000, 1000, 1000]);
  });
});
