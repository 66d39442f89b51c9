import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Limits, RefundLimits } from '@credit-hub/contracts';

/**
 * Portal links (like Stripe's customer portal sessions): `v2.<keyId>.<claims>.<signature>`, the
 * claims and signature base64url, the signature HMAC-SHA256 over `v2.<keyId>.<claims>` with the
 * key named by `keyId`. The claims name one customer, one domain, the return URL and the expiry,
 * so a link opens nothing but that customer's page on that domain, and changing any of it breaks
 * the signature. The key id lets the key be rotated: links signed with the previous key keep
 * working while it is still configured (PORTAL_TOKEN_PREVIOUS_SECRET, docs/operations.md).
 * `v1` links (no key id, signed before keys could rotate) are refused.
 */

/** What a portal link grants. */
export interface PortalTokenClaims {
  email: string;
  domain: string;
  returnUrl: string;
  /** Unix time (ms) after which the link no longer works. */
  expiresAtMs: number;
}

/** Why a token was refused (never shown to the customer in detail). */
export type PortalTokenRefusal = 'malformed' | 'bad_signature' | 'expired';

/** One signing key: the secret and its public id (derived from the secret: no second setting to keep in step). */
export interface PortalTokenKey {
  id: string;
  secret: string;
}

/** The keys in use: links are signed with `signing`; links signed with any of `accepted` (signing included) are verified. */
export interface PortalTokenKeyRing {
  signing: PortalTokenKey;
  accepted: readonly PortalTokenKey[];
}

const version = 'v2';
const base64urlPattern = /^[A-Za-z0-9_-]+$/;
const keyIdPattern = /^[A-Za-z0-9_-]{11}$/;

/**
 * The public id of a key: 11 base64url characters (64 bits) of SHA-256 over a label and the
 * secret. It names the key in a link; recovering a random secret of 32+ characters from it is as
 * hard as inverting SHA-256.
 */
export function portalTokenKeyId(secret: string): string {
  return createHash('sha256').update(`credit-hub portal token key\0${secret}`, 'utf8').digest('base64url').slice(0, 11);
}

/** The key ring of the current secret and, during a rotation, the previous one (verification only). */
export function portalTokenKeyRing(current: string, previous?: string): PortalTokenKeyRing {
  const signing = { id: portalTokenKeyId(current), secret: current };
  const accepted = previous && previous !== current ? [signing, { id: portalTokenKeyId(previous), secret: previous }] : [signing];
  return { signing, accepted };
}

/** Signs claims into a token with the ring's signing key. */
export function mintPortalToken(claims: PortalTokenClaims, keys: PortalTokenKeyRing): string {
  const body = Buffer.from(
    JSON.stringify({ e: claims.email, d: claims.domain, r: claims.returnUrl, x: Math.floor(claims.expiresAtMs / 1000) }),
    'utf8',
  ).toString('base64url');
  const signed = `${version}.${keys.signing.id}.${body}`;
  return `${signed}.${sign(signed, keys.signing.secret)}`;
}

/**
 * Checks a token's form, key id and signature (constant time), then its expiry, in that order.
 * A key id the ring does not hold (a retired key, a forged one) is `bad_signature`.
 */
export function verifyPortalToken(
  token: string,
  keys: PortalTokenKeyRing,
  nowMs: number,
): { ok: true; claims: PortalTokenClaims } | { ok: false; refusal: PortalTokenRefusal } {
  if (typeof token !== 'string' || token.length > RefundLimits.tokenLengthMax) return { ok: false, refusal: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== version || !keyIdPattern.test(parts[1]) || !base64urlPattern.test(parts[2]) || !base64urlPattern.test(parts[3])) {
    return { ok: false, refusal: 'malformed' };
  }
  const [, keyId, body, signature] = parts as [string, string, string, string];
  const key = keys.accepted.find((candidate) => candidate.id === keyId);
  if (!key) return { ok: false, refusal: 'bad_signature' };
  const expected = Buffer.from(sign(`${version}.${keyId}.${body}`, key.secret), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, refusal: 'bad_signature' };
  const claims = readClaims(body);
  if (!claims) return { ok: false, refusal: 'malformed' }; // signed by us, so a bug; refuse all the same
  if (claims.expiresAtMs <= nowMs) return { ok: false, refusal: 'expired' };
  return { ok: true, claims };
}

function sign(input: string, secret: string): string {
  return createHmac('sha256', secret).update(input, 'utf8').digest('base64url');
}

function readClaims(body: string): PortalTokenClaims | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const { e, d, r, x } = raw as Record<string, unknown>;
  if (typeof e !== 'string' || e.length === 0 || e.length > Limits.emailLengthMax) return undefined;
  if (typeof d !== 'string' || d.length === 0 || d.length > Limits.domainLengthMax) return undefined;
  if (typeof r !== 'string' || r.length > Limits.urlLengthMax) return undefined;
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) return undefined;
  return { email: e, domain: d, returnUrl: r, expiresAtMs: x * 1000 };
}
