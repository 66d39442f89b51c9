import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caps } from '@credit-hub/contracts';
import { CatalogService } from '../catalog';
import { CapsSource } from './entitlement-rules';

/** How long a domain's caps are kept in memory before they are read again, ms (another billing instance may have changed them). */
export const capsCacheTtlMs = 5000;

/** Domains kept in memory at most (only domains with API keys reach the check). */
const domainsCachedMax = 10_000;

/** The caps of one domain, as cached. */
interface DomainCaps extends CapsSource {
  loadedAtMs: number;
}

/**
 * The catalog's caps in memory, per domain (the free tier's and every plan's, retired plans
 * included: a subscription keeps its plan), so an entitlement check reads no catalog table: one
 * load per domain every `capsCacheTtlMs` at most, dropped at once when this instance changes the
 * catalog (file at boot, operator API). Concurrent loads of a domain share one read.
 */
@Injectable()
export class EntitlementCatalog {
  private readonly domains = new Map<string, DomainCaps>();
  private readonly loading = new Map<string, Promise<DomainCaps>>();
  /** Catalog changes seen per domain: a load that began before a change must not cache what it read. */
  private readonly generations = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    catalog: CatalogService,
  ) {
    catalog.onChange((changed) => {
      for (const domain of changed) {
        this.generations.set(domain, (this.generations.get(domain) ?? 0) + 1);
        this.domains.delete(domain);
        this.loading.delete(domain); // the next check reads again rather than join a load begun before the change
      }
    });
  }

  /** The caps of `domain` (a domain unknown to the catalog: no free caps, no plans). */
  async capsOf(domain: string): Promise<CapsSource> {
    const cached = this.domains.get(domain);
    if (cached && Date.now() - cached.loadedAtMs <= capsCacheTtlMs) return cached;
    let pending = this.loading.get(domain);
    if (!pending) {
      const current: Promise<DomainCaps> = this.load(domain).finally(() => {
        if (this.loading.get(domain) === current) this.loading.delete(domain);
      });
      pending = current;
      this.loading.set(domain, pending);
    }
    return pending;
  }

  private async load(domain: string): Promise<DomainCaps> {
    const generation = this.generations.get(domain) ?? 0;
    const rows: { free_caps: Caps; offering_id: string | null; caps: Caps | null }[] = await this.dataSource.query(
      `SELECT d.free_caps, o.offering_id, o.caps FROM domains d LEFT JOIN offerings o ON o.domain = d.domain AND o.kind = 'plan' WHERE d.domain = $1`,
      [domain],
    );
    const plans = new Map<string, Caps>();
    for (const row of rows) if (row.offering_id !== null && row.caps !== null) plans.set(row.offering_id, row.caps);
    const loaded: DomainCaps = { freeCaps: rows[0]?.free_caps ?? {}, planCaps: (offeringId) => plans.get(offeringId) ?? {}, loadedAtMs: Date.now() };
    if ((this.generations.get(domain) ?? 0) === generation) {
      if (this.domains.size >= domainsCachedMax) this.domains.clear();
      this.domains.set(domain, loaded);
    }
    return loaded;
  }
}
