import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The `state` of a Connect OAuth request (https://docs.stripe.com/connect/oauth-reference: Stripe
 * returns it unchanged to the `redirect_uri`; the platform must check it to tie the callback to
 * the request it made). Shape: `<id>.<expires>.<signature>`: `id` 24 random base64url characters
 * (144 bits) naming billing's record of the request (`connect_oauth_states`: the domains, the
 * return URL, whether it was used), `expires` unix seconds, `signature` base64url
 * HMAC-SHA256 over `<id>.<expires>`. Single use is the record's; the signature and the expiry let
 * billing refuse a forged or stale state before any lookup.
 */
export interface ConnectOAuthState {
  id: string;
  /** Unix seconds. */
  expiresAt: number;
}

const statePattern = /^([A-Za-z0-9_-]{24})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/**
 * The signing key of states, derived from the platform's Stripe secret key (HMAC-SHA256 with a
 * fixed label): no new secret to provision, and rotating the Stripe key voids pending states.
 */
export function connectOAuthStateKey(stripeSecretKey: string): Buffer {
  return createHmac('sha256', stripeSecretKey).update('credit-hub:connect-oauth-state:v1').digest();
}

function sign(key: Buffer, id: string, expiresAt: number): string {
  return createHmac('sha256', key).update(`${id}.${expiresAt}`).digest('base64url');
}

/** A new state expiring at `expiresAt` (unix seconds): `{ id, token }`; `token` goes in the authorize URL only. */
export function issueConnectOAuthState(key: Buffer, expiresAt: number): { id: string; token: string } {
  const id = randomBytes(18).toString('base64url');
  return { id, token: `${id}.${expiresAt}.${sign(key, id, expiresAt)}` };
}

/**
 * Checks a state token: its shape, its signature (constant time) and that it has not expired at
 * `now` (unix seconds). Returns the state, or a sentence saying why not (never the token).
 */
export function verifyConnectOAuthState(key: Buffer, token: string, now: number): ConnectOAuthState | string {
  const match = statePattern.exec(token);
  if (!match) return 'the state is not one this hub issued';
  const [, id, expires, signature] = match as unknown as [string, string, string, string];
  const expiresAt = Number(expires);
  const expected = Buffer.from(sign(key, id, expiresAt));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'the state is not one this hub issued';
  if (expiresAt <= now) return 'the state has expired; start connecting again';
  return { id, expiresAt };
}
