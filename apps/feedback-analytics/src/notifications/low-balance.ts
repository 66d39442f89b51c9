import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Limits, normalizeDomain } from '@credit-hub/contracts';
import { ConfigurationError } from '@credit-hub/service-kit';
import { WebhooksConfig } from './webhooks.config';

/**
 * The low-balance alert. A domain's `lowBalanceThreshold` (credits, from the catalog file) is
 * crossed by a ledger event that takes credits when the balance before it was at or above the
 * threshold and the balance after it is below: one alert per crossing, derived from that single
 * event, with no state. Two consumptions below the threshold are one crossing (the second starts
 * below); a top-up to the threshold or above re-arms it, because the next crossing starts there.
 */
export function crossesThreshold(threshold: number, balanceAfter: number, creditsTaken: number): boolean {
  const balanceBefore = balanceAfter + creditsTaken;
  return creditsTaken > 0 && balanceBefore >= threshold && balanceAfter < threshold;
}

/** Result of reading the thresholds from the catalog: by domain, or every problem found. */
export type ThresholdsResult = { ok: true; thresholds: Map<string, number> } | { ok: false; errors: string[] };

/**
 * Reads `domains[].lowBalanceThreshold` from an untrusted, JSON-parsed catalog. The field is
 * optional (no threshold: no alert); other keys are billing's and the refunds service's.
 */
export function readLowBalanceThresholds(input: unknown): ThresholdsResult {
  if (!isRecord(input) || !Array.isArray(input['domains'])) return { ok: false, errors: ['catalog: must be an object with a "domains" array'] };
  const errors: string[] = [];
  const thresholds = new Map<string, number>();
  (input['domains'] as unknown[]).forEach((raw, index) => {
    const path = `domains[${index}]`;
    if (!isRecord(raw) || typeof raw['domain'] !== 'string') return errors.push(`${path}.domain: must be a host name`);
    const value = raw['lowBalanceThreshold'];
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > Limits.creditsPerCommandMax) {
      return errors.push(`${path}.lowBalanceThreshold: must be a whole number of credits from 1 to ${Limits.creditsPerCommandMax}`);
    }
    thresholds.set(normalizeDomain(raw['domain']), value);
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, thresholds };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Each domain's low-balance threshold, read from CATALOG_FILE at boot (an invalid file stops the service). */
@Injectable()
export class LowBalanceThresholds implements OnModuleInit {
  private readonly logger = new Logger('LowBalanceThresholds');
  private thresholds = new Map<string, number>();

  constructor(private readonly config: WebhooksConfig) {}

  onModuleInit(): void {
    const path = resolve(process.cwd(), this.config.CATALOG_FILE);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigurationError(`CATALOG_FILE ${path} cannot be read as JSON: ${(error as Error).message}`);
    }
    const result = readLowBalanceThresholds(parsed);
    if (!result.ok) throw new ConfigurationError(`CATALOG_FILE ${path} has an invalid lowBalanceThreshold:\n  ${result.errors.join('\n  ')}`);
    this.thresholds = result.thresholds;
    this.logger.log(`low-balance thresholds loaded for ${this.thresholds.size} domains`);
  }

  /** The threshold of `domain` in credits, or undefined when it has none. */
  get(domain: string): number | undefined {
    return this.thresholds.get(normalizeDomain(domain));
  }
}
