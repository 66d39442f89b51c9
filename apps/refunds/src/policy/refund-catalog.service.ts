import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { normalizeDomain } from '@credit-hub/contracts';
import { ConfigurationError } from '@credit-hub/service-kit';
import { RefundsConfig } from '../refunds.config';
import { DomainRefundSettings, parseRefundCatalog } from './refund-policy';

/**
 * Each domain's brand and refund policy, read from CATALOG_FILE at boot (an invalid file stops
 * the service with every problem named). A domain missing from the catalog has no portal.
 */
@Injectable()
export class RefundCatalog implements OnModuleInit {
  private readonly logger = new Logger('RefundCatalog');
  private domains = new Map<string, DomainRefundSettings>();

  constructor(private readonly config: RefundsConfig) {}

  onModuleInit(): void {
    const path = resolve(process.cwd(), this.config.CATALOG_FILE);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigurationError(`CATALOG_FILE ${path} cannot be read as JSON: ${(error as Error).message}`);
    }
    const result = parseRefundCatalog(parsed);
    if (!result.ok) throw new ConfigurationError(`CATALOG_FILE ${path} has an invalid refund policy:\n  ${result.errors.join('\n  ')}`);
    this.domains = result.domains;
    this.logger.log(`refund policies loaded for ${this.domains.size} domains`);
  }

  /** The settings of `domain`, or undefined when the catalog does not list it. */
  get(domain: string): DomainRefundSettings | undefined {
    return this.domains.get(normalizeDomain(domain));
  }
}
