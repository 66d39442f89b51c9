import { CapLimits, capNamePattern, Caps, Limits } from '@credit-hub/contracts';

/**
 * The catalog file (`deploy/catalog/*.json`): every domain of the portfolio with its brand and its
 * offerings. This module is pure: it parses and validates, the CatalogService stores.
 *
 * Shape of the file:
 * `{ "domains": [ { "domain", "displayName", "supportEmail", "checkoutMessage", "graceDays"?, "freeCaps"?,
 *    "offerings": [ { "offeringId", "kind": "pack", "credits", "amountMinor", "currency", "scopeDomain"?, "checkoutMessage"? }
 *                 | { "offeringId", "kind": "plan", "credits", "amountMinor", "currency", "interval", "trialDays", "rollover",
 *                     "scopeDomain"?, "checkoutMessage"?, "caps"? } ] } ] }`
 * Credits are positive integers; `amountMinor` is the price (of the pack, or of one plan period) in
 * integer minor units of `currency` (lower-case ISO 4217, e.g. 500 usd = $5.00).
 * Caps (optional: a catalog without them stays valid, with empty caps): a plan's `caps`
 * and a domain's `freeCaps` (its free tier) map cap names (`scheduled_runs`, lower-case) to a
 * feature flag (`true`/`false`) or a numeric limit (a whole number from 0 to 1,000,000,000).
 */

/** What packs and plans share. */
interface OfferingBase {
  offeringId: string;
  /** Credits of the pack, or granted per period of the plan. */
  credits: number;
  /** Price of the whole pack, or of one period of the plan, integer minor units of `currency`. */
  amountMinor: number;
  /** Lower-case ISO 4217 (`usd`), as Stripe writes it. */
  currency: string;
  /** Domain the credits may be spent on; null: anywhere in the portfolio. */
  scopeDomain: string | null;
  /** This offering's own checkout text (e.g. a plan's trial terms); null: the domain's. */
  checkoutMessage: string | null;
}

/** A pack of credits bought once (Checkout in payment mode). */
export interface PackOffering extends OfferingBase {
  kind: 'pack';
}

/** Billing interval of a plan. */
export type PlanInterval = 'month' | 'year';

/** A subscription (Checkout in subscription mode) granting `credits` every period. */
export interface PlanOffering extends OfferingBase {
  kind: 'plan';
  interval: PlanInterval;
  /** Free trial days before the first charge (0: charged at checkout). A card is required either way. */
  trialDays: number;
  /** True: unused plan credits carry over (the grant never expires); false: they expire at the period end. */
  rollover: boolean;
  /** What the plan entitles to (feature flags, numeric limits); empty when the catalog names none. */
  caps: Caps;
}

/** One offering of a domain as sold. */
export type Offering = PackOffering | PlanOffering;

/** Days a plan's credits stay usable after a failed payment when the domain names none (seed 002). */
export const graceDaysDefault = 3;

/** One domain (product) of the portfolio with its branding and offerings. */
export interface DomainCatalog {
  domain: string;
  displayName: string;
  supportEmail: string;
  /** Shown above the pay button of the hosted checkout (`custom_text.submit.message`). */
  checkoutMessage: string;
  /** Days a past-due plan's credits stay usable after a failed payment (default 3). */
  graceDays: number;
  /** Caps of the domain's free tier: customers without a plan (never subscribed, ended, past due after the grace). */
  freeCaps: Caps;
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
  /** Stripe's own limit on `trial_period_days`. */
  trialDaysMax: 730,
  graceDaysMax: 30,
} as const;

const domainPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const offeringIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;
const emailPattern = /^[^\s@]+@[^\s@]+$/;
// `refundPolicy` is the refunds service's (it validates it); billing ignores it.
// `lowBalanceThreshold` is feedback-analytics' (it validates it; webhooks): billing ignores it too.
const domainKeys = ['domain', 'displayName', 'supportEmail', 'checkoutMessage', 'graceDays', 'freeCaps', 'offerings', 'refundPolicy', 'lowBalanceThreshold'];
const packKeys = ['offeringId', 'kind', 'credits', 'amountMinor', 'currency', 'scopeDomain', 'checkoutMessage'];
const planKeys = [...packKeys, 'interval', 'trialDays', 'rollover', 'caps'];
const intervals: readonly PlanInterval[] = ['month', 'year'];

/** `path.key`, or `key` at the top level (operator API bodies). */
function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

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
  if (domain !== undefined && !domainPattern.test(domain)) errors.push(`${at(path, 'domain')}: must be a lower-case host name`);
  const brand = readBrand(raw, path, errors);
  const offerings = readOfferings(raw['offerings'], at(path, 'offerings'), errors);
  if (domain === undefined || brand === undefined) return undefined;
  return { domain, ...brand, offerings };
}

/** The brand fields of a domain (everything but its name and offerings). */
function readBrand(raw: Record<string, unknown>, path: string, errors: string[]): Omit<DomainCatalog, 'domain' | 'offerings'> | undefined {
  const displayName = readString(raw, 'displayName', path, errors, CatalogLimits.displayNameLengthMax);
  const supportEmail = readString(raw, 'supportEmail', path, errors, Limits.emailLengthMax);
  if (supportEmail !== undefined && !emailPattern.test(supportEmail)) errors.push(`${at(path, 'supportEmail')}: must be an email address`);
  const checkoutMessage = readString(raw, 'checkoutMessage', path, errors, CatalogLimits.checkoutMessageLengthMax);
  const graceDays = raw['graceDays'] === undefined ? graceDaysDefault : readInteger(raw, 'graceDays', path, errors, 0, CatalogLimits.graceDaysMax);
  const freeCaps = readCaps(raw['freeCaps'], at(path, 'freeCaps'), errors);
  if (displayName === undefined || supportEmail === undefined || checkoutMessage === undefined || graceDays === undefined || freeCaps === undefined) return undefined;
  return { displayName, supportEmail, checkoutMessage, graceDays, freeCaps };
}

/**
 * Validates one domain as the operator API sends it (`PUT /api/operator/domains/{domain}`):
 * the brand, and the offerings when given. Errors are named by field (`offerings[1].currency`).
 */
export function validateDomainInput(domain: string, raw: Record<string, unknown>): { ok: true; domain: Omit<DomainCatalog, 'offerings'> & { offerings?: Offering[] } } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  if (!domainPattern.test(domain) || domain.length > 253) errors.push('domain: must be a lower-case host name');
  rejectUnknownKeys(raw, ['displayName', 'supportEmail', 'checkoutMessage', 'graceDays', 'freeCaps', 'offerings'], '', errors);
  const brand = readBrand(raw, '', errors);
  const offerings = raw['offerings'] === undefined ? undefined : readOfferings(raw['offerings'], 'offerings', errors);
  if (errors.length > 0 || brand === undefined) return { ok: false, errors };
  return { ok: true, domain: { domain, ...brand, ...(offerings === undefined ? {} : { offerings }) } };
}

/** Validates one offering as the operator API sends it (`PUT …/offerings/{offeringId}`); `active` is allowed. */
export function validateOfferingInput(offeringId: string, raw: Record<string, unknown>): { ok: true; offering: Offering; active: boolean } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const active = raw['active'] ?? true;
  if (typeof active !== 'boolean') errors.push('active: must be true or false');
  const rest = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== 'active'));
  if (rest['offeringId'] !== undefined && rest['offeringId'] !== offeringId) errors.push('offeringId: must be the one in the path');
  const offering = readOffering({ ...rest, offeringId }, '', errors);
  if (errors.length > 0 || offering === undefined) return { ok: false, errors };
  return { ok: true, offering, active: active as boolean };
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
  const kind = raw['kind'];
  if (kind !== 'pack' && kind !== 'plan') errors.push(`${at(path, 'kind')}: must be "pack" or "plan"`);
  rejectUnknownKeys(raw, kind === 'plan' ? planKeys : packKeys, path, errors);
  const offeringId = readString(raw, 'offeringId', path, errors, 64);
  if (offeringId !== undefined && !offeringIdPattern.test(offeringId)) errors.push(`${at(path, 'offeringId')}: must be 1-64 letters, digits or _.-`);
  const credits = readInteger(raw, 'credits', path, errors, 1, CatalogLimits.creditsMax);
  const amountMinor = readInteger(raw, 'amountMinor', path, errors, 0, CatalogLimits.amountMinorMax);
  const currency = raw['currency'];
  if (typeof currency !== 'string' || !knownCurrencies.has(currency)) {
    errors.push(`${at(path, 'currency')}: must be a lower-case ISO 4217 code from: ${[...knownCurrencies].join(', ')}`);
  }
  const scopeDomain = raw['scopeDomain'] ?? null;
  if (scopeDomain !== null && (typeof scopeDomain !== 'string' || !domainPattern.test(scopeDomain))) {
    errors.push(`${at(path, 'scopeDomain')}: must be null or a lower-case host name`);
  }
  const plan = kind === 'plan' ? readPlanTerms(raw, path, errors) : undefined;
  const checkoutMessage = raw['checkoutMessage'] === undefined || raw['checkoutMessage'] === null
    ? null
    : readString(raw, 'checkoutMessage', path, errors, CatalogLimits.checkoutMessageLengthMax);
  if (errors.length > before) return undefined;
  const base = {
    offeringId: offeringId as string,
    credits: credits as number,
    amountMinor: amountMinor as number,
    currency: currency as string,
    scopeDomain: scopeDomain as string | null,
    checkoutMessage: checkoutMessage ?? null,
  };
  return plan ? { ...base, kind: 'plan', ...plan } : { ...base, kind: 'pack' };
}

/** The terms only plans have: interval, trial days, rollover, caps. */
function readPlanTerms(raw: Record<string, unknown>, path: string, errors: string[]): Pick<PlanOffering, 'interval' | 'trialDays' | 'rollover' | 'caps'> | undefined {
  const interval = raw['interval'];
  if (typeof interval !== 'string' || !intervals.includes(interval as PlanInterval)) errors.push(`${at(path, 'interval')}: must be "month" or "year"`);
  const trialDays = readInteger(raw, 'trialDays', path, errors, 0, CatalogLimits.trialDaysMax);
  const rollover = raw['rollover'];
  if (typeof rollover !== 'boolean') errors.push(`${at(path, 'rollover')}: must be true or false`);
  const caps = readCaps(raw['caps'], at(path, 'caps'), errors);
  if (trialDays === undefined || typeof rollover !== 'boolean' || !intervals.includes(interval as PlanInterval) || caps === undefined) return undefined;
  return { interval: interval as PlanInterval, trialDays, rollover, caps };
}

/**
 * Reads caps (absent or null: none). Names match `capNamePattern` (`scheduled_runs`); each value
 * is `true`/`false` (a feature flag) or a whole number from 0 to `CapLimits.limitMax` (a limit).
 * Errors name the cap (`offerings[3].caps.workspaces: …`); undefined when any is wrong.
 */
export function readCaps(raw: unknown, path: string, errors: string[]): Caps | undefined {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) {
    errors.push(`${path}: must be an object of feature flags (true/false) and limits (whole numbers)`);
    return undefined;
  }
  const before = errors.length;
  const entries = Object.entries(raw);
  if (entries.length > CapLimits.capsPerPlanMax) errors.push(`${path}: at most ${CapLimits.capsPerPlanMax} caps`);
  const caps: Caps = {};
  for (const [name, value] of entries) {
    if (!capNamePattern.test(name)) {
      errors.push(`${path}.${name}: a cap name must be 1-64 lower-case letters, digits or _, starting with a letter`);
    } else if (typeof value === 'boolean') {
      caps[name] = value;
    } else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= CapLimits.limitMax) {
      caps[name] = value;
    } else {
      errors.push(`${path}.${name}: must be true, false or a whole number from 0 to ${CapLimits.limitMax}`);
    }
  }
  return errors.length > before ? undefined : caps;
}

function readString(raw: Record<string, unknown>, key: string, path: string, errors: string[], lengthMax: number): string | undefined {
  const value = raw[key];
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > lengthMax) {
    errors.push(`${at(path, key)}: must be a non-empty string of at most ${lengthMax} characters`);
    return undefined;
  }
  return value;
}

function readInteger(raw: Record<string, unknown>, key: string, path: string, errors: string[], min: number, max: number): number | undefined {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    errors.push(`${at(path, key)}: must be a whole number from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

function rejectUnknownKeys(raw: Record<string, unknown>, known: string[], path: string, errors: string[]): void {
  for (const key of Object.keys(raw)) if (!known.includes(key)) errors.push(`${at(path, key)}: unknown property`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
