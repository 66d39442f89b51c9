import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { ConfigurationError } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';
import { Catalog, Offering, validateCatalog } from './catalog';

/** An active offering together with the brand of its domain, as needed to open a checkout. */
export interface SellableOffering extends Offering {
  domain: string;
  displayName: string;
  checkoutMessage: string;
}

/** Any `pg_advisory_xact_lock` key; serialises catalog loads of several billing instances booting together. */
const catalogLoadLockKey = 0x43415441; // 'CATA'

/**
 * The catalog in billing's database. At boot it reads `CATALOG_FILE`, validates it (an invalid
 * file stops the service with every error named) and upserts it in one transaction. Offerings that
 * vanished from the file are deactivated, never deleted: checkout sessions already sold keep
 * pointing at them, and keep their own frozen credits and price.
 */
@Injectable()
export class CatalogService implements OnModuleInit {
  private readonly logger = new Logger('Catalog');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: BillingConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const catalog = await readCatalogFile(resolve(process.cwd(), this.config.CATALOG_FILE));
    await this.store(catalog);
    const offerings = catalog.domains.reduce((sum, d) => sum + d.offerings.length, 0);
    this.logger.log(`catalog loaded: ${catalog.domains.length} domains, ${offerings} offerings`);
  }

  /** Upserts a validated catalog in one transaction. */
  async store(catalog: Catalog): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [catalogLoadLockKey]);
      for (const domain of catalog.domains) {
        await manager.query(
          `INSERT INTO domains (domain, display_name, support_email, checkout_message) VALUES ($1, $2, $3, $4)
           ON CONFLICT (domain) DO UPDATE SET display_name = EXCLUDED.display_name, support_email = EXCLUDED.support_email,
             checkout_message = EXCLUDED.checkout_message, updated_at = now()`,
          [domain.domain, domain.displayName, domain.supportEmail, domain.checkoutMessage],
        );
        for (const offering of domain.offerings) await upsertOffering(manager, domain.domain, offering);
        await manager.query(
          `UPDATE offerings SET active = false, updated_at = now()
            WHERE domain = $1 AND active AND NOT (offering_id = ANY($2::text[]))`,
          [domain.domain, domain.offerings.map((o) => o.offeringId)],
        );
      }
    });
  }

  /** The active offering `offeringId` of `domain` (normalised host name), or undefined. */
  async findSellable(domain: string, offeringId: string): Promise<SellableOffering | undefined> {
    const rows: OfferingRow[] = await this.dataSource.query(
      `SELECT o.domain, o.offering_id, o.kind, o.credits, o.amount_minor, o.currency, o.scope_domain,
              d.display_name, d.checkout_message
         FROM offerings o JOIN domains d ON d.domain = o.domain
        WHERE o.domain = $1 AND o.offering_id = $2 AND o.active`,
      [domain, offeringId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      domain: row.domain,
      offeringId: row.offering_id,
      kind: 'pack',
      credits: row.credits,
      amountMinor: row.amount_minor,
      currency: row.currency,
      scopeDomain: row.scope_domain,
      displayName: row.display_name,
      checkoutMessage: row.checkout_message,
    };
  }
}

interface OfferingRow {
  domain: string;
  offering_id: string;
  kind: string;
  credits: number;
  amount_minor: number;
  currency: string;
  scope_domain: string | null;
  display_name: string;
  checkout_message: string;
}

async function upsertOffering(manager: EntityManager, domain: string, offering: Offering): Promise<void> {
  await manager.query(
    `INSERT INTO offerings (domain, offering_id, kind, credits, amount_minor, currency, scope_domain, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, true)
     ON CONFLICT (domain, offering_id) DO UPDATE SET kind = EXCLUDED.kind, credits = EXCLUDED.credits,
       amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, scope_domain = EXCLUDED.scope_domain,
       active = true, updated_at = now()`,
    [domain, offering.offeringId, offering.kind, offering.credits, offering.amountMinor, offering.currency, offering.scopeDomain],
  );
}

/**
 * Reads and validates a catalog file. Throws `ConfigurationError` (the service stops at boot with
 * exit code 78) naming the file and every problem in it.
 */
export async function readCatalogFile(path: string): Promise<Catalog> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`CATALOG_FILE ${path} cannot be read as JSON: ${(error as Error).message}`);
  }
  const result = validateCatalog(parsed);
  if (!result.ok) throw new ConfigurationError(`CATALOG_FILE ${path} is invalid:\n  ${result.errors.join('\n  ')}`);
  return result.catalog;
}
