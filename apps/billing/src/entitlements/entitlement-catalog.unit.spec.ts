import { DataSource } from 'typeorm';
import { CatalogService } from '../catalog/catalog.service';
import { EntitlementCatalog } from './entitlement-catalog';

/** A catalog read that the test answers by hand, and the catalog's change listener. */
function harness() {
  const reads: { resolve: (rows: unknown[]) => void }[] = [];
  const dataSource = { query: () => new Promise((resolve) => reads.push({ resolve })) } as unknown as DataSource;
  let listener: (domains: string[]) => void = () => undefined;
  const catalog = { onChange: (fn: (domains: string[]) => void) => (listener = fn) } as unknown as CatalogService;
  return { caps: new EntitlementCatalog(dataSource, catalog), reads, change: (domain: string) => listener([domain]) };
}

const row = (workspaces: number) => [{ free_caps: { workspaces }, offering_id: null, caps: null }];

describe('EntitlementCatalog', () => {
  it('shares one read between concurrent checks and keeps what it read', async () => {
    const { caps, reads } = harness();
    const first = caps.capsOf('a.test');
    const second = caps.capsOf('a.test');
    expect(reads).toHaveLength(1);
    reads[0]!.resolve(row(3));
    expect((await first).freeCaps).toEqual({ workspaces: 3 });
    expect((await second).freeCaps).toEqual({ workspaces: 3 });
    expect((await caps.capsOf('a.test')).freeCaps).toEqual({ workspaces: 3 });
    expect(reads).toHaveLength(1);
  });

  it('does not keep caps read by a load that began before a catalog change', async () => {
    const { caps, reads, change } = harness();
    const stale = caps.capsOf('a.test');
    change('a.test'); // the operator changes the free tier while the read is in flight
    reads[0]!.resolve(row(1));
    expect((await stale).freeCaps).toEqual({ workspaces: 1 });
    const fresh = caps.capsOf('a.test');
    expect(reads).toHaveLength(2); // read again, not served from the stale load
    reads[1]!.resolve(row(5));
    expect((await fresh).freeCaps).toEqual({ workspaces: 5 });
    expect((await caps.capsOf('a.test')).freeCaps).toEqual({ workspaces: 5 });
  });
});
