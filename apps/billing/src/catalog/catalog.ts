import { Limits } from '@credit-hub/contracts';

/**
 * The catalog file (`deploy/catalog/*.json`): every domain of the portfolio with its brand and its
 * offerings. This module is pure: it parses and validates, the CatalogService stores.
 *
 * Shape of the file:
 * `{ "domains": [ { "domain", "displayName", "supportEmail", "checkoutMessage",
 *    "offerings": [ { "offeringId", "kind": "pack", "credits", "amountMinor", "currency", "scopeDomain"? } ] } ] }`
 * Credits are positive integers; `amountMinor` is the pack's price in integer minor units of
 * `currency` (lower-case ISO 4217, e.g. 500 usd = $5.00).
 */

/** One offering of a domain as sold: a pack of credits for a price. */
export interface Offering {
  offeringId: string;
  kind: 'pack';
  credits: number;
  /** Price of the whole pack, integer minor units of `currency`. */
  amountMinor: number;
  /** Lower-case ISO 4217 (`usd`), as Stripe writes it. */
  currency: string;
  /** Domain the credits may be spent on; null: anywhere in the portfolio. */
  scopeDomain: string | null;
}

/** One domain (product) of the portfolio with its branding and offerings. */
export interface DomainCatalog {
  domain: string;
  displayName: string;
  supportEmail: string;
  /** Shown above the pay button of the hosted checkout (`custom_text.submit.message`). */
  checkoutMessage: string;
  offerings: Offering[];
}

/** The whole catalog. */
export interface Catalog {
  domains: DomainCatalog[];
}

/** Result of validating a catalog: the typed catalog, or every problem found (path: message). */
export type CatalogValidation = { ok: true; catalog: Catalog } | { ok: false; errors: string[] };

/**
 * Currencies the catalog accepts: ISO 4217 codes Stripe charges in for our markets. A typo such as
 * `usdd` or `eu` is refused at boot instead of at the first checkout.
 */
export const knownCurrencies: ReadonlySet<string> = new Set([
  'aud', 'brl', 'cad', 'chf', 'czk', 'dkk', 'eur', 'gbp', 'hkd', 'huf', 'inr', 'jpy', 'krw', 'mxn',
  'nok', 'nzd', 'pln', 'ron', 'sek', 'sgd', 'thb', 'try', 'usd', 'zar',
]);

/** Bounds of the catalog (TigerBeetle: a limit on everything). */
export const CatalogLimits = {
  domainsMax: 1000,
  offeringsPerDomainMax: 100,
  displayNameLengthMax: 100,
  /** Stripe refuses `custom_text` messages longer than 1200 characters. */
  checkoutMessageLengthMax: 1200,
  /** Stripe's largest `unit_amount` (8 digits) in minor units. */
  amountMinorMax: 99_999_999,
  creditsMax: Limits.creditsPerCommandMax,
} as const;

const domainPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const offeringIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;
const emailPattern = /^[^\s@]+@[^\s@]+$/;
const domainKeys = ['domain', 'displayName', 'supportEmail', 'checkoutMessage', 'offerings'];
const offeringKeys = ['offeringId', 'kind', 'credits', 'amountMinor', 'currency', 'scopeDomain'];

/**
 * Validates an untrusted, already JSON-parsed catalog. Never throws: returns every error found,
 * each prefixed by its path (`domains[0].offerings[1].credits`), so one boot names them all.
 */
export function validateCatalog(input: unknown): CatalogValidation {
  const errors: string[] = [];
  if (!isRecord(input) || !Array.isArray(input['domains'])) {
    return { ok: false, errors: ['catalog: must be an object with a "domains" array'] };
  }
  const rawDomains = input['domains'] as unknown[];
  if (rawDomains.length === 0) errors.push('domains: must name at least one domain');
  if (rawDomains.length > CatalogLimits.domainsMax) errors.push(`domains: at most ${CatalogLimits.domainsMax}`);
  const domains = rawDomains.map((raw, index) => readDomain(raw, `domains[${index}]`, errors));
  const seen = new Set<string>();
  domains.forEach((domain, index) => {
    if (domain && seen.has(domain.domain)) errors.push(`domains[${index}].domain: ${domain.domain} is listed twice`);
    if (domain) seen.add(domain.domain);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, catalog: { domains: domains as DomainCatalog[] } };
}

function readDomain(raw: unknown, path: string, errors: string[]): DomainCatalog | undefined {
  if (!isRecord(raw)) {
    errors.push(`${path}: must be an object`);
    return undefined;
  }
  rejectUnknownKeys(raw, domainKeys, path, errors);
  const domain = readString(raw, 'domain', path, errors, 253);
  if (domain !== undefined && !domainPattern.test(domain)) errors.push(`${path}.domain: must be a lower-case host name`);
  const displayName = readString(raw, 'displayName', path, errors, CatalogLimits.displayNameLengthMax);
  const supportEmail = readString(raw, 'supportEmail', path, errors, Limits.emailLengthMax);
  if (supportEmail !== undefined && !emailPattern.test(supportEmail)) errors.push(`${path}.supportEmail: must be an email address`);
  const checkoutMessage = readString(raw, 'checkoutMessage', path, errors, CatalogLimits.checkoutMessageLengthMax);
  const offerings = readOfferings(raw['offerings'], `${path}.offerings`, errors);
  if (domain === undefined || displayName === undefined || supportEmail === undefined || checkoutMessage === undefined) {
    return undefined;
  }
  return { domain, displayName, supportEmail, checkoutMessage, offerings };
}

function readOfferings(raw: unknown, path: string, errors: string[]): Offering[] {
  if (!Array.isArray(raw)) {
    errors.push(`${path}: must be an array`);
    return [];
  }
  if (raw.length > CatalogLimits.offeringsPerDomainMax) errors.push(`${path}: at most ${CatalogLimits.offeringsPerDomainMax}`);
  const offerings: Offering[] = [];
  const seen = new Set<string>();
  raw.forEach((item, index) => {
    const offering = readOffering(item, `${path}[${index}]`, errors);
    if (!offering) return;
    if (seen.has(offering.offeringId)) errors.push(`${path}[${index}].offeringId: ${offering.offeringId} is listed twice`);
    seen.add(offering.offeringId);
    offerings.push(offering);
  });
  return offerings;
}

function readOffering(raw: unknown, path: string, errors: string[]): Offering | undefined {
  if (!isRecord(raw)) {
    errors.push(`${path}: must be an object`);
    return undefined;
  }
  const before = errors.length;
  rejectUnknownKeys(raw, offeringKeys, path, errors);
  const offeringId = readString(raw, 'offeringId', path, errors, 64);
  if (offeringId !== undefined && !offeringIdPattern.test(offeringId)) errors.push(`${path}.offeringId: must be 1-64 letters, digits or _.-`);
  if (raw['kind'] !== 'pack') errors.push(`${path}.kind: must be "pack" (plans are not sold yet)`);
  const credits = readInteger(raw, 'credits', path, errors, 1, CatalogLimits.creditsMax);
  const amountMinor = readInteger(raw, 'amountMinor', path, errors, 0, CatalogLimits.amountMinorMax);
  const currency = raw['currency'];
  if (typeof currency !== 'string' || !knownCurrencies.has(currency)) {
    errors.push(`${path}.currency: must be a lower-case ISO 4217 code from: ${[...knownCurrencies].join(', ')}`);
  }
  const scopeDomain = raw['scopeDomain'] ?? null;
  if (scopeDomain !== null && (typeof scopeDomain !== 'string' || !domainPattern.test(scopeDomain))) {
    errors.push(`${path}.scopeDomain: must be null or a lower-case host name`);
  }
  if (errors.length > before) return undefined;
  return {
    offeringId: offeringId as string,
    kind: 'pack',
    credits: credits as number,
    amountMinor: amountMinor as number,
    currency: currency as string,
    scopeDomain: scopeDomain as string | null,
  };
}

function readString(raw: Record<string, unknown>, key: string, path: string, errors: string[], lengthMax: number): string | undefined {
  const value = raw[key];
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > lengthMax) {
    errors.push(`${path}.${key}: must be a non-empty string of at most ${lengthMax} characters`);
    return undefined;
  }
  return value;
}

function readInteger(raw: Record<string, unknown>, key: string, path: string, errors: string[], min: number, max: number): number | undefined {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    errors.push(`${path}.${key}: must be a whole number from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

function rejectUnknownKeys(raw: Record<string, unknown>, known: string[], path: string, errors: string[]): void {
  for (const key of Object.keys(raw)) if (!known.includes(key)) errors.push(`${path}.${key}: unknown property`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
