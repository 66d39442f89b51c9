/**
 * Customer identity rules shared by every service (ARCHITECTURE.md: a customer is keyed by email,
 * in Unicode NFC, lower-cased and trimmed, and holds one wallet in the portfolio).
 */

/**
 * Normalises an email to the customer key, the one function every service uses (gateway DTOs,
 * contracts, billing's Stripe customer, the refunds portal, the ledger's stream id): trimmed,
 * Unicode NFC (so `ü` typed as one code point or as `u` + U+0308 is one customer: UAX #15), then
 * lower-cased (Unicode default case mapping) and composed again (lower-casing can decompose,
 * e.g. `İ` → `i̇`). Control characters are not removed: `emailHasControlCharacter` finds them and the
 * validators refuse them.
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase().normalize('NFC');
}

/** Unicode control characters (general category Cc: C0, DEL, C1), refused anywhere in an email. */
const controlCharacter = /\p{Cc}/u;

/** True when `email` holds a control character (tab, newline, NUL, DEL, C1…): such an email is refused. */
export function emailHasControlCharacter(email: string): boolean {
  return controlCharacter.test(email);
}

/** The ledger stream id of a customer's account: `account-<normalised email>`. */
export function accountStreamId(email: string): string {
  return `account-${normalizeEmail(email)}`;
}

/** Normalises a domain name: trimmed, lower-cased. */
export function normalizeDomain(domain: string): string {
  return domain.trim().toLowerCase();
}

/** Limits on identifiers; every string has a bound (TigerBeetle: put a limit on everything). */
export const Limits = {
  emailLengthMax: 254,
  domainLengthMax: 253,
  referenceIdLengthMax: 200,
  actionTypeLengthMax: 64,
  /** Credits in one consume or purchase; far above any real pack, far below 2^53. */
  creditsPerCommandMax: 1_000_000_000,
  urlLengthMax: 2048,
} as const;
