import { mintPortalToken, verifyPortalToken } from './portal-token';

const secret = 'a-test-secret-of-at-least-32-characters!!';
const now = Date.parse('2026-11-20T12:00:00Z');
const claims = { email: 'ada@example.com', domain: 'demo.localhost', returnUrl: 'https://demo.localhost/account', expiresAtMs: now + 3_600_000 };

function body(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

function withBody(token: string, changes: Record<string, unknown>): string {
  const [version, , signature] = token.split('.');
  const changed = Buffer.from(JSON.stringify({ ...body(token), ...changes })).toString('base64url');
  return `${version}.${changed}.${signature}`;
}

describe('portal tokens', () => {
  const token = mintPortalToken(claims, secret);

  it('round-trips the claims (expiry to the second)', () => {
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyPortalToken(token, secret, now)).toEqual({ ok: true, claims });
  });

  it('expires', () => {
    expect(verifyPortalToken(token, secret, claims.expiresAtMs - 1)).toMatchObject({ ok: true });
    expect(verifyPortalToken(token, secret, claims.expiresAtMs)).toEqual({ ok: false, refusal: 'expired' });
  });

  it.each([
    ['another customer', { e: 'eve@example.com' }],
    ['another domain', { d: 'notes.localhost' }],
    ['a later expiry', { x: Math.floor(now / 1000) + 999_999 }],
    ['another return URL', { r: 'https://evil.example/' }],
  ])('cannot be turned into a token for %s', (_name, changes) => {
    expect(verifyPortalToken(withBody(token, changes), secret, now)).toEqual({ ok: false, refusal: 'bad_signature' });
  });

  it('refuses another key, a cut or padded signature, and garbage', () => {
    expect(verifyPortalToken(token, `${secret}x`, now)).toEqual({ ok: false, refusal: 'bad_signature' });
    expect(verifyPortalToken(token.slice(0, -2), secret, now)).toEqual({ ok: false, refusal: 'bad_signature' });
    expect(verifyPortalToken(`${token}AA`, secret, now)).toEqual({ ok: false, refusal: 'bad_signature' });
    for (const junk of ['', 'v1', 'v1..', 'v2.a.b', 'v1.a.b.c', 'v1.a+b.c', 'x'.repeat(5000)]) {
      expect(verifyPortalToken(junk, secret, now)).toEqual({ ok: false, refusal: 'malformed' });
    }
  });
});
