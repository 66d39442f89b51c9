import { createHmac, randomBytes } from 'node:crypto';
import { mintPortalToken, portalTokenKeyId, portalTokenKeyRing, verifyPortalToken } from './portal-token';

const secret = randomBytes(32).toString('base64url');
const keys = portalTokenKeyRing(secret);
const now = Date.parse('2026-11-20T12:00:00Z');
const claims = { email: 'ada@example.com', domain: 'demo.localhost', returnUrl: 'https://demo.localhost/account', expiresAtMs: now + 3_600_000 };

function body(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[2] as string, 'base64url').toString('utf8'));
}

function withBody(token: string, changes: Record<string, unknown>): string {
  const [version, keyId, , signature] = token.split('.');
  const changed = Buffer.from(JSON.stringify({ ...body(token), ...changes })).toString('base64url');
  return `${version}.${keyId}.${changed}.${signature}`;
}

/** A token as anyone could sign it with a known string, in the old (v1) and the current (v2) format. */
function forged(withSecret: string): string[] {
  const claimsBody = Buffer.from(JSON.stringify({ e: 'eve@example.com', d: 'demo.localhost', r: 'https://x', x: 253402300799 })).toString('base64url');
  const hmac = (input: string) => createHmac('sha256', withSecret).update(input, 'utf8').digest('base64url');
  const keyId = portalTokenKeyId(withSecret);
  return [`v1.${claimsBody}.${hmac(`v1.${claimsBody}`)}`, `v2.${keyId}.${claimsBody}.${hmac(`v2.${keyId}.${claimsBody}`)}`];
}

describe('portal tokens', () => {
  const token = mintPortalToken(claims, keys);

  it('round-trips the claims (expiry to the second) and names the signing key', () => {
    expect(token).toMatch(/^v2\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(token.split('.')[1]).toBe(keys.signing.id);
    expect(verifyPortalToken(token, keys, now)).toEqual({ ok: true, claims });
  });

  it('expires', () => {
    expect(verifyPortalToken(token, keys, claims.expiresAtMs - 1)).toMatchObject({ ok: true });
    expect(verifyPortalToken(token, keys, claims.expiresAtMs)).toEqual({ ok: false, refusal: 'expired' });
  });

  it.each([
    ['another customer', { e: 'eve@example.com' }],
    ['another domain', { d: 'notes.localhost' }],
    ['a later expiry', { x: Math.floor(now / 1000) + 999_999 }],
    ['another return URL', { r: 'https://evil.example/' }],
  ])('cannot be turned into a token for %s', (_name, changes) => {
    expect(verifyPortalToken(withBody(token, changes), keys, now)).toEqual({ ok: false, refusal: 'bad_signature' });
  });

  it('refuses another key, a cut or padded signature, and garbage', () => {
    expect(verifyPortalToken(token, portalTokenKeyRing(`${secret}x`), now)).toEqual({ ok: false, refusal: 'bad_signature' });
    expect(verifyPortalToken(token.slice(0, -2), keys, now)).toEqual({ ok: false, refusal: 'bad_signature' });
    expect(verifyPortalToken(`${token}AA`, keys, now)).toEqual({ ok: false, refusal: 'bad_signature' });
    for (const junk of ['', 'v1', 'v1..', 'v2.a.b', 'v2.a.b.c', 'v1.a.b.c', 'v2.abcdefghijk.a+b.c', 'x'.repeat(5000)]) {
      expect(verifyPortalToken(junk, keys, now)).toEqual({ ok: false, refusal: 'malformed' });
    }
  });

  it('refuses a link signed with the former public default, in the old and the new format', () => {
    const formerDefault = 'dev-only-portal-token-secret-change-me-0123456789';
    const [v1, v2] = forged(formerDefault) as [string, string];
    expect(verifyPortalToken(v1, keys, now)).toEqual({ ok: false, refusal: 'malformed' });
    expect(verifyPortalToken(v2, keys, now)).toEqual({ ok: false, refusal: 'bad_signature' });
  });

  it('rotates: during the window links of the old and the new key work, new links use the new key; after it only the new', () => {
    const next = randomBytes(32).toString('base64url');
    const during = portalTokenKeyRing(next, secret);
    const fresh = mintPortalToken(claims, during);
    expect(fresh.split('.')[1]).toBe(portalTokenKeyId(next));
    expect(fresh.split('.')[1]).not.toBe(keys.signing.id);
    expect(verifyPortalToken(token, during, now)).toEqual({ ok: true, claims });
    expect(verifyPortalToken(fresh, during, now)).toEqual({ ok: true, claims });
    const after = portalTokenKeyRing(next);
    expect(verifyPortalToken(fresh, after, now)).toEqual({ ok: true, claims });
    expect(verifyPortalToken(token, after, now)).toEqual({ ok: false, refusal: 'bad_signature' });
  });

  it('cannot borrow an accepted key id with another key', () => {
    const [, , claimsBody] = token.split('.');
    const attacker = createHmac('sha256', 'attacker-key-0123456789abcdefghijkl').update(`v2.${keys.signing.id}.${claimsBody}`).digest('base64url');
    expect(verifyPortalToken(`v2.${keys.signing.id}.${claimsBody}.${attacker}`, keys, now)).toEqual({ ok: false, refusal: 'bad_signature' });
  });
});
