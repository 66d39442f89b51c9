import { createHmac, timingSafeEqual } from 'node:crypto';
import { Limits, RefundLimits } from '@credit-hub/contracts';

/**
 * Portal links (like Stripe's customer portal sessions): `v1.<claims>.<signature>`, both parts
 * base64url, the signature HMAC-SHA256 over `v1.<claims>` with PORTAL_TOKEN_SECRET. The claims
 * name one customer, one domain, the return URL and the expiry, so a link opens nothing but that
 * customer's page on that domain, and changing any of it breaks the signature.
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

const version = 'v1';
const base64urlPattern = /^[A-Za-z0-9_-]+$/;

/** Signs claims into a token. */
export function mintPortalToken(claims: PortalTokenClaims, secret: string): string {
  const body = Buffer.from(
    JSON.stringify({ e: claims.email, d: claims.domain, r: claims.returnUrl, x: Math.floor(claims.expiresAtMs / 1000) }),
    'utf8',
  ).toString('base64url');
  return `${version}.${body}.${sign(`${version}.${body}`, secret)}`;
}

/** Checks a token's form, signature (constant time) and expiry, in that order. */
export function verifyPortalToken(
  token: string,
  secret: string,
  nowMs: number,
): { ok: true; claims: PortalTokenClaims } | { ok: false; refusal: PortalTokenRefusal } {
  if (typeof token !== 'string' || token.length > RefundLimits.tokenLengthMax) return { ok: false, refusal: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== version || !base64urlPattern.test(parts[1]) || !base64urlPattern.test(parts[2])) {
    return { ok: false, refusal: 'malformed' };
  }
  const expected = Buffer.from(sign(`${version}.${parts[1]}`, secret), 'base64url');
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, refusal: 'bad_signature' };
  const claims = readClaims(parts[1]);
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
