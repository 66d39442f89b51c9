import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { Caps, DomainCatalogView, OfferingView } from '@credit-hub/contracts';
import { ConfigurationError } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';
import { Catalog, DomainCatalog, graceDaysDefault, Offering, validateCatalog } from './catalog';

/** An active offering together with the brand of its domain, as needed to open a checkout. */
export type SellableOffering = Offering & {
  domain: string;
  displayName: string;
  checkoutMessage: string;
  graceDays: number;
};

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
  private readonly listeners: ((domains: string[]) => void)[] = [];

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
      for (const domain of catalog.domains) await storeDomain(manager, domain, domain.offerings);
    });
    this.changed(catalog.domains.map((d) => d.domain));
  }

  /** Calls `listener(domains)` after every change of the catalog made by this instance (cache invalidation). */
  onChange(listener: (domains: string[]) => void): void {
    this.listeners.push(listener);
  }

  private changed(domains: string[]): void {
    for (const listener of this.listeners) listener(domains);
  }

  /**
   * Operator API: creates or updates one domain's brand and, when `offerings` is given, makes it
   * the domain's whole catalog (offerings left out are retired). One transaction.
   */
  async putDomain(domain: Omit<DomainCatalog, 'offerings'>, offerings: Offering[] | undefined): Promise<DomainCatalogView> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [catalogLoadLockKey]);
      await storeDomain(manager, domain, offerings);
    });
    this.changed([domain.domain]);
    return (await this.domainView(domain.domain)) as DomainCatalogView;
  }

  /** Operator API: creates or replaces one offering of an existing domain; undefined when the domain is unknown. */
  async putOffering(domain: string, offering: Offering, active: boolean): Promise<DomainCatalogView | undefined> {
    const stored = await this.dataSource.transaction(async (manager) => {
      const rows: unknown[] = await manager.query('SELECT 1 FROM domains WHERE domain = $1 FOR UPDATE', [domain]);
      if (rows.length === 0) return false;
      await upsertOffering(manager, domain, offering, active);
      return true;
    });
    if (stored) this.changed([domain]);
    return stored ? this.domainView(domain) : undefined;
  }

  /** A domain's brand and every offering (sold or retired), or undefined. */
  async domainView(domain: string): Promise<DomainCatalogView | undefined> {
    const [row]: DomainRow[] = await this.dataSource.query(
      'SELECT domain, display_name, support_email, checkout_message, grace_days, free_caps FROM domains WHERE domain = $1',
      [domain],
    );
    if (!row) return undefined;
    const offerings: (OfferingRow & { active: boolean; updated_at: Date })[] = await this.dataSource.query(
      `SELECT offering_id, kind, credits, amount_minor, currency, scope_domain, interval, trial_days, rollover, checkout_message, caps, active, updated_at
         FROM offerings WHERE domain = $1 ORDER BY offering_id`,
      [domain],
    );
    return {
      domain: row.domain,
      displayName: row.display_name,
      supportEmail: row.support_email,
      checkoutMessage: row.checkout_message,
      graceDays: row.grace_days,
      freeCaps: row.free_caps,
      offerings: offerings.map((o): OfferingView => ({
        offeringId: o.offering_id,
        kind: o.kind,
        credits: o.credits,
        amountMinor: o.amount_minor,
        currency: o.currency,
        scopeDomain: o.scope_domain,
        interval: o.interval,
        trialDays: o.trial_days,
        rollover: o.rollover,
        checkoutMessage: o.checkout_message,
        caps: o.kind === 'plan' ? o.caps : null,
        active: o.active,
        updatedAt: o.updated_at.toISOString(),
      })),
    };
  }

  /** Days of payment grace of `domain` (the default when unknown). */
  async graceDays(domain: string): Promise<number> {
    const [row]: { grace_days: number }[] = await this.dataSource.query('SELECT grace_days FROM domains WHERE domain = $1', [domain]);
    return row?.grace_days ?? graceDaysDefault;
  }

  /** The active offering `offeringId` of `domain` (normalised host name), or undefined. */
  async findSellable(domain: string, offeringId: string): Promise<SellableOffering | undefined> {
    const rows: (OfferingRow & DomainRow & { offering_message: string | null })[] = await this.dataSource.query(
      `SELECT o.domain, o.offering_id, o.kind, o.credits, o.amount_minor, o.currency, o.scope_domain, o.interval, o.trial_days, o.rollover, o.caps,
              o.checkout_message AS offering_message, d.display_name, d.checkout_message, d.grace_days
         FROM offerings o JOIN domains d ON d.domain = o.domain
        WHERE o.domain = $1 AND o.offering_id = $2 AND o.active`,
      [domain, offeringId],
    );
    const row = rows[0];
    if (!row) return undefined;
    // What the page shows: the offering's own text if it has one, else the domain's.
    const checkoutMessage = row.offering_message ?? row.checkout_message;
    const brand = { domain: row.domain, displayName: row.display_name, graceDays: row.grace_days };
    const base = {
      checkoutMessage,
      offeringId: row.offering_id,
      credits: row.credits,
      amountMinor: row.amount_minor,
      currency: row.currency,
      scopeDomain: row.scope_domain,
    };
    if (row.kind === 'plan' && row.interval !== null && row.trial_days !== null && row.rollover !== null) {
      return { ...brand, ...base, kind: 'plan', interval: row.interval, trialDays: row.trial_days, rollover: row.rollover, caps: row.caps };
    }
    return { ...brand, ...base, kind: 'pack' };
  }
}

interface DomainRow {
  domain: string;
  display_name: string;
  support_email: string;
  checkout_message: string;
  grace_days: number;
  free_caps: Caps;
}

interface OfferingRow {
  domain: string;
  offering_id: string;
  kind: 'pack' | 'plan';
  credits: number;
  amount_minor: number;
  currency: string;
  scope_domain: string | null;
  interval: 'month' | 'year' | null;
  trial_days: number | null;
  rollover: boolean | null;
  checkout_message: string | null;
  caps: Caps;
}

/** Upserts a domain's brand and, when given, its whole list of offerings (the others are retired, never deleted). */
async function storeDomain(manager: EntityManager, domain: Omit<DomainCatalog, 'offerings'>, offerings: Offering[] | undefined): Promise<void> {
  await manager.query(
    `INSERT INTO domains (domain, display_name, support_email, checkout_message, grace_days, free_caps) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
     ON CONFLICT (domain) DO UPDATE SET display_name = EXCLUDED.display_name, support_email = EXCLUDED.support_email,
       checkout_message = EXCLUDED.checkout_message, grace_days = EXCLUDED.grace_days, free_caps = EXCLUDED.free_caps, updated_at = now()`,
    [domain.domain, domain.displayName, domain.supportEmail, domain.checkoutMessage, domain.graceDays, JSON.stringify(domain.freeCaps)],
  );
  if (offerings === undefined) return;
  for (const offering of offerings) await upsertOffering(manager, domain.domain, offering, true);
  await manager.query(
    `UPDATE offerings SET active = false, updated_at = now()
      WHERE domain = $1 AND active AND NOT (offering_id = ANY($2::text[]))`,
    [domain.domain, offerings.map((o) => o.offeringId)],
  );
}

async function upsertOffering(manager: EntityManager, domain: string, offering: Offering, active: boolean): Promise<void> {
  const plan = offering.kind === 'plan' ? offering : undefined;
  await manager.query(
    `INSERT INTO offerings (domain, offering_id, kind, credits, amount_minor, currency, scope_domain, interval, trial_days, rollover, checkout_message, active, caps)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb)
     ON CONFLICT (domain, offering_id) DO UPDATE SET kind = EXCLUDED.kind, credits = EXCLUDED.credits,
       amount_minor = EXCLUDED.amount_minor, currency = EXCLUDED.currency, scope_domain = EXCLUDED.scope_domain,
       interval = EXCLUDED.interval, trial_days = EXCLUDED.trial_days, rollover = EXCLUDED.rollover,
       checkout_message = EXCLUDED.checkout_message, active = EXCLUDED.active, caps = EXCLUDED.caps, updated_at = now()`,
    [
      domain, offering.offeringId, offering.kind, offering.credits, offering.amountMinor, offering.currency, offering.scopeDomain,
      plan?.interval ?? null, plan?.trialDays ?? null, plan?.rollover ?? null, offering.checkoutMessage, active, JSON.stringify(plan?.caps ?? {}),
    ],
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
