/**
 * Customer identity rules shared by every service (ARCHITECTURE.md: a customer is keyed by email,
 * trimmed and lower-cased, and holds one wallet in the portfolio).
 */

/** Normalises an email to the customer key: trimmed, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
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
