import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { notReadModels, readModelRegistry, readModelRegistryMarkdown, registeredSources, registeredTables } from './read-model.registry';

// Rebuild coverage by construction: every table this app's code writes (the SQL its consumers,
// services and migrations run) must be a registered read model, which the rebuild then rebuilds
// and compares, or be listed in notReadModels with the reason it is not rebuilt. A consumer that
// starts writing a new table without registering it fails here.

const appRoot = join(__dirname, '..');
const inboxSource = join(__dirname, '..', '..', '..', '..', 'libs', 'messaging', 'src', 'inbox.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The code without its comments (a comment saying "UPDATE and …" is not SQL). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** Tables written (INSERT INTO, UPDATE, DELETE FROM, TRUNCATE) and created (CREATE TABLE) by the SQL in these files. */
function tablesInSql(files: string[]): { written: Map<string, string[]>; created: Set<string> } {
  const written = new Map<string, string[]>();
  const created = new Set<string>();
  for (const file of files) {
    const code = withoutComments(readFileSync(file, 'utf8'));
    for (const match of code.matchAll(/\b(?:INSERT INTO|UPDATE|DELETE FROM|TRUNCATE(?: TABLE)?)\s+(?:public\.)?([a-z_][a-z0-9_]*)\b/g)) {
      const table = match[1]!;
      written.set(table, [...(written.get(table) ?? []), file.slice(appRoot.length + 1)]);
    }
    for (const match of code.matchAll(/\bCREATE TABLE(?: IF NOT EXISTS)?\s+(?:public\.)?([a-z_][a-z0-9_]*)\b/g)) created.add(match[1]!);
  }
  return { written, created };
}

describe('read model registry', () => {
  const { written, created } = tablesInSql([...sourceFiles(appRoot), inboxSource]);
  const registered = new Set(registeredTables().map(({ table }) => table.name));

  it('finds the writes it checks (the scan itself works)', () => {
    for (const table of ['usage_daily', 'purchases_daily', 'rm_credits_daily', 'rm_lots', 'webhook_deliveries', 'inbox']) expect(written.has(table)).toBe(true);
    expect(created.has('usage_daily')).toBe(true);
  });

  it('covers every table the code writes: registered as a read model, or listed as not one with its reason', () => {
    const uncovered = [...written].filter(([table]) => !registered.has(table) && !Object.hasOwn(notReadModels, table)).map(([table, files]) => `${table} (written in ${[...new Set(files)].join(', ')})`);
    expect(uncovered).toEqual([]);
  });

  it('covers every table the migrations create', () => {
    const uncovered = [...created].filter((table) => !registered.has(table) && !Object.hasOwn(notReadModels, table));
    expect(uncovered).toEqual([]);
  });

  it('registers usage_daily and purchases_daily (the usage API) with their keys, fed by LEDGER', () => {
    const usage = readModelRegistry.find((registration) => registration.tables.some((table) => table.name === 'usage_daily'));
    expect(usage?.tables).toEqual([
      { name: 'usage_daily', key: ['domain', 'day', 'action_type'] },
      { name: 'purchases_daily', key: ['domain', 'day', 'currency'] },
    ]);
    expect(usage?.sources.map((source) => source.stream.name)).toEqual([expect.stringMatching(/^LEDGER/)]);
  });

  it('registers each table once, excludes none it registers, and every registration reads at least one stream', () => {
    const names = registeredTables().map(({ table }) => table.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((name) => Object.hasOwn(notReadModels, name))).toEqual([]);
    for (const registration of readModelRegistry) {
      expect(registration.sources.length).toBeGreaterThan(0);
      expect(registration.tables.every((table) => table.key.length > 0)).toBe(true);
    }
    expect(registeredSources().map((source) => source.durable).sort()).toEqual(['analytics-rm-billing', 'analytics-rm-ledger', 'analytics-rm-refunds', 'feedback-analytics']);
  });

  it('leaves no registered table stale: each is written by the code', () => {
    expect(names().filter((name) => !written.has(name))).toEqual([]);
  });

  it('is what docs/operations.md shows (the docs come from the registry)', () => {
    const docs = readFileSync(join(appRoot, '..', '..', '..', 'docs', 'operations.md'), 'utf8');
    const shown = /<!-- read-model-registry:start -->\n([\s\S]*?)\n<!-- read-model-registry:end -->/.exec(docs)?.[1];
    expect(shown).toBe(readModelRegistryMarkdown());
  });

  function names(): string[] {
    return registeredTables().map(({ table }) => table.name);
  }
});
