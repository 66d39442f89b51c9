import { Limits, normalizeDomain, RefundPolicyView } from '@credit-hub/contracts';

/**
 * Each domain's refund policy and brand, read from the catalog file (`deploy/catalog/*.json`, the
 * same file billing reads its offerings from). Pure: parses and validates; the service loads.
 *
 * ```json
 * { "domains": [ { "domain": "yourproduct.com", "displayName": "…", "supportEmail": "…",
 *   "refundPolicy": { "windowDays": 14, "refundsPerWindow": 1, "creditsPerRefundMax": 50,
 *     "moneyRefunds": { "enabled": true, "withinDays": 30 },
 *     "reviewThreshold": { "refundsIn30Days": 3, "creditsIn30Days": 500 } } } ] }
 * ```
 * Every field of `refundPolicy` is optional (defaults below); the section itself too. Other keys
 * of a domain (offerings, checkoutMessage) are billing's and ignored here.
 */

/** A domain's refund policy with every default filled in. */
export interface RefundPolicy {
  /** Consumptions of the last `windowDays` days can be refunded; also the span of `refundsPerWindow`. */
  windowDays: number;
  /** Refunds a customer may have on the domain per window (credit and money refunds together). */
  refundsPerWindow: number;
  /** Cap of credits one credit refund returns; null: no cap. Money refunds take a whole purchase's unused credits. */
  creditsPerRefundMax: number | null;
  /** Money back for a purchase's unused credits, within `withinDays` days of the purchase. */
  moneyRefunds: { enabled: boolean; withinDays: number };
  /** Beyond these (over 30 days, this refund included), a refund is held for review instead of granted. */
  reviewThreshold: { refundsIn30Days: number | null; creditsIn30Days: number | null };
}

/** The brand and policy of one domain. */
export interface DomainRefundSettings {
  domain: string;
  displayName: string;
  supportEmail: string;
  policy: RefundPolicy;
}

/** Bounds of the policy values. */
export const RefundPolicyLimits = {
  windowDaysMax: 365,
  refundsPerWindowMax: 1000,
  withinDaysMax: 365,
  displayNameLengthMax: 100,
} as const;

/** The policy of a domain whose catalog entry has no `refundPolicy` (or leaves fields out). */
export const defaultRefundPolicy: RefundPolicy = {
  windowDays: 14,
  refundsPerWindow: 1,
  creditsPerRefundMax: null,
  moneyRefunds: { enabled: false, withinDays: 14 },
  reviewThreshold: { refundsIn30Days: null, creditsIn30Days: null },
};

/** Result of reading the catalog: the settings by domain, or every problem found (path: message). */
export type RefundCatalogResult = { ok: true; domains: Map<string, DomainRefundSettings> } | { ok: false; errors: string[] };

const policyKeys = ['windowDays', 'refundsPerWindow', 'creditsPerRefundMax', 'moneyRefunds', 'reviewThreshold'];
const emailPattern = /^[^\s@]+@[^\s@]+$/;
const domainPattern = /^[a-z0-9.-]{1,253}$/;

/** Validates an untrusted, JSON-parsed catalog. Never throws. */
export function parseRefundCatalog(input: unknown): RefundCatalogResult {
  const errors: string[] = [];
  if (!isRecord(input) || !Array.isArray(input['domains'])) return { ok: false, errors: ['catalog: must be an object with a "domains" array'] };
  const domains = new Map<string, DomainRefundSettings>();
  (input['domains'] as unknown[]).forEach((raw, index) => {
    const settings = readDomain(raw, `domains[${index}]`, errors);
    if (settings && domains.has(settings.domain)) errors.push(`domains[${index}].domain: ${settings.domain} is listed twice`);
    if (settings) domains.set(settings.domain, settings);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, domains };
}

function readDomain(raw: unknown, path: string, errors: string[]): DomainRefundSettings | undefined {
  if (!isRecord(raw)) {
    errors.push(`${path}: must be an object`);
    return undefined;
  }
  const before = errors.length;
  const domain = typeof raw['domain'] === 'string' ? normalizeDomain(raw['domain']) : '';
  if (!domainPattern.test(domain)) errors.push(`${path}.domain: must be a host name`);
  const displayName = raw['displayName'];
  if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > RefundPolicyLimits.displayNameLengthMax) {
    errors.push(`${path}.displayName: must be a non-empty string of at most ${RefundPolicyLimits.displayNameLengthMax} characters`);
  }
  const supportEmail = raw['supportEmail'];
  if (typeof supportEmail !== 'string' || supportEmail.length > Limits.emailLengthMax || !emailPattern.test(supportEmail)) {
    errors.push(`${path}.supportEmail: must be an email address`);
  }
  const policy = readPolicy(raw['refundPolicy'], `${path}.refundPolicy`, errors);
  if (errors.length > before) return undefined;
  return { domain, displayName: displayName as string, supportEmail: supportEmail as string, policy };
}

/** Reads one `refundPolicy` section (undefined: all defaults). */
export function readPolicy(raw: unknown, path: string, errors: string[]): RefundPolicy {
  const d = defaultRefundPolicy;
  if (raw === undefined) return structuredClone(d);
  if (!isRecord(raw)) {
    errors.push(`${path}: must be an object`);
    return structuredClone(d);
  }
  for (const key of Object.keys(raw)) if (!policyKeys.includes(key)) errors.push(`${path}.${key}: unknown property`);
  const money = isRecord(raw['moneyRefunds']) ? raw['moneyRefunds'] : {};
  if (raw['moneyRefunds'] !== undefined && !isRecord(raw['moneyRefunds'])) errors.push(`${path}.moneyRefunds: must be an object`);
  for (const key of Object.keys(money)) if (!['enabled', 'withinDays'].includes(key)) errors.push(`${path}.moneyRefunds.${key}: unknown property`);
  const review = isRecord(raw['reviewThreshold']) ? raw['reviewThreshold'] : {};
  if (raw['reviewThreshold'] !== undefined && !isRecord(raw['reviewThreshold'])) errors.push(`${path}.reviewThreshold: must be an object`);
  for (const key of Object.keys(review)) if (!['refundsIn30Days', 'creditsIn30Days'].includes(key)) errors.push(`${path}.reviewThreshold.${key}: unknown property`);
  const enabled = money['enabled'] ?? d.moneyRefunds.enabled;
  if (typeof enabled !== 'boolean') errors.push(`${path}.moneyRefunds.enabled: must be true or false`);
  return {
    windowDays: integer(raw, 'windowDays', path, errors, 1, RefundPolicyLimits.windowDaysMax) ?? d.windowDays,
    refundsPerWindow: integer(raw, 'refundsPerWindow', path, errors, 1, RefundPolicyLimits.refundsPerWindowMax) ?? d.refundsPerWindow,
    creditsPerRefundMax: integer(raw, 'creditsPerRefundMax', path, errors, 1, Limits.creditsPerCommandMax) ?? null,
    moneyRefunds: {
      enabled: enabled === true,
      withinDays: integer(money, 'withinDays', `${path}.moneyRefunds`, errors, 1, RefundPolicyLimits.withinDaysMax) ?? d.moneyRefunds.withinDays,
    },
    reviewThreshold: {
      refundsIn30Days: integer(review, 'refundsIn30Days', `${path}.reviewThreshold`, errors, 1, RefundPolicyLimits.refundsPerWindowMax) ?? null,
      creditsIn30Days: integer(review, 'creditsIn30Days', `${path}.reviewThreshold`, errors, 1, Limits.creditsPerCommandMax) ?? null,
    },
  };
}

/** The policy as the portal explains it to the customer. */
export function policyView(policy: RefundPolicy): RefundPolicyView {
  return {
    windowDays: policy.windowDays,
    refundsPerWindow: policy.refundsPerWindow,
    creditsPerRefundMax: policy.creditsPerRefundMax,
    moneyRefunds: { ...policy.moneyRefunds },
  };
}

function integer(raw: Record<string, unknown>, key: string, path: string, errors: string[], min: number, max: number): number | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    errors.push(`${path}.${key}: must be a whole number from ${min} to ${max}`);
    return undefined;
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
