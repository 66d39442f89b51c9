/**
 * Row-level comparison and repair of a live projection table against its rebuilt copy, shared by
 * the ledger replay and the analytics rebuild: rows are matched on the table's key, compared
 * column by column (IS DISTINCT FROM, so NULLs compare), and a repair writes only the rows that
 * differ: UPDATE the differing columns, INSERT the rows only rebuilt, DELETE the rows only live.
 * Equal rows are not written at all, so their xmin and bookkeeping timestamps stay as they were.
 */

/** Anything with pg's `query(text, values)`. */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
}

/** One live table and its rebuilt copy. Names are trusted identifiers (from code, never input). */
export interface TablePair {
  /** The name reported (`ledger_accounts`, `usage_daily`). */
  table: string;
  /** The live table, qualified if needed (`public.usage_daily`). */
  live: string;
  /** The rebuilt table (`rebuilt_accounts`, `analytics_rebuild.usage_daily`). */
  rebuilt: string;
  /** The columns a row is matched on (the primary key). */
  key: readonly string[];
  /** The other columns compared and repaired (bookkeeping columns such as updated_at left out). */
  columns: readonly string[];
  /** Compare and repair only rows with this column equal to this value (`domain`). */
  filter?: { column: string; value: string };
  /** A column naming who the row belongs to (`stream_id`), reported with each difference as `owner`. */
  ownerColumn?: string;
  /** Set on every repaired (updated) row, e.g. `{ updated_at: 'now()' }`: SQL expressions from code. */
  touch?: Record<string, string>;
}

/** A row that differs: its key, and each differing column with its live and rebuilt value. */
export interface RowDifference {
  table: string;
  key: Record<string, unknown>;
  kind: 'differs' | 'only_live' | 'only_rebuilt';
  /** The value of the pair's ownerColumn (the account), when it has one. */
  owner?: unknown;
  columns: { column: string; live: unknown; rebuilt: unknown }[];
}

/** What comparing one table found: rows compared (either side), rows differing, and the first `limit` differences. */
export interface TableComparison {
  table: string;
  compared: number;
  differing: number;
  differences: RowDifference[];
}

function parts(pair: TablePair, parameterIndex = 1) {
  const on = pair.key.map((k) => `l.${k} = r.${k}`).join(' AND ');
  const differs = [`l.${pair.key[0]} IS NULL`, `r.${pair.key[0]} IS NULL`, ...pair.columns.map((c) => `l.${c} IS DISTINCT FROM r.${c}`)].join(' OR ');
  const columnsDiffer = pair.columns.length === 0 ? 'false' : pair.columns.map((c) => `l.${c} IS DISTINCT FROM r.${c}`).join(' OR ');
  const filterOn = (alias: string) => (pair.filter ? `${alias}.${pair.filter.column} = $${parameterIndex}` : 'true');
  const parameters = pair.filter ? [pair.filter.value] : [];
  return { on, differs, columnsDiffer, filterOn, parameters };
}

/**
 * Compares `pair.live` with `pair.rebuilt`: counts the rows on either side and those that differ,
 * and returns up to `limit` differences with their columns, ordered by key.
 */
export async function compareTable(db: SqlClient, pair: TablePair, limit = 1000): Promise<TableComparison> {
  const { on, differs, parameters } = parts(pair);
  const from = `${pair.live} l FULL JOIN ${pair.rebuilt} r ON ${on}`;
  const where = pair.filter ? `coalesce(l.${pair.filter.column}, r.${pair.filter.column}) = $1` : 'true';
  const counts = await db.query(
    `SELECT count(*)::text AS compared, count(*) FILTER (WHERE ${differs})::text AS differing FROM ${from} WHERE ${where}`,
    parameters,
  );
  const compared = Number(counts.rows[0].compared);
  const differing = Number(counts.rows[0].differing);
  if (differing === 0 || limit === 0) return { table: pair.table, compared, differing, differences: [] };
  const order = pair.key.map((k) => `coalesce(l.${k}, r.${k})`).join(', ');
  const { rows } = await db.query(
    `SELECT to_jsonb(l) AS live, to_jsonb(r) AS rebuilt FROM ${from} WHERE ${where} AND (${differs}) ORDER BY ${order} LIMIT ${Math.trunc(limit)}`,
    parameters,
  );
  const differences = rows.map((row: { live: Record<string, unknown> | null; rebuilt: Record<string, unknown> | null }) => describe(pair, row.live, row.rebuilt));
  return { table: pair.table, compared, differing, differences };
}

function describe(pair: TablePair, live: Record<string, unknown> | null, rebuilt: Record<string, unknown> | null): RowDifference {
  const source = (live ?? rebuilt) as Record<string, unknown>;
  const key = Object.fromEntries(pair.key.map((k) => [k, source[k]]));
  const owner = pair.ownerColumn === undefined ? {} : { owner: source[pair.ownerColumn] ?? null };
  if (live === null || rebuilt === null) {
    const present = (live ?? rebuilt) as Record<string, unknown>;
    return {
      table: pair.table,
      key,
      ...owner,
      kind: live === null ? 'only_rebuilt' : 'only_live',
      columns: pair.columns.map((column) => ({ column, live: live === null ? null : present[column], rebuilt: rebuilt === null ? null : present[column] })),
    };
  }
  const columns = pair.columns
    .filter((column) => JSON.stringify(live[column] ?? null) !== JSON.stringify(rebuilt[column] ?? null))
    .map((column) => ({ column, live: live[column] ?? null, rebuilt: rebuilt[column] ?? null }));
  return { table: pair.table, key, ...owner, kind: 'differs', columns };
}

/** Rows a repair wrote, by kind. */
export interface TableRepair {
  table: string;
  updated: number;
  inserted: number;
  deleted: number;
}

/**
 * Makes `pair.live` equal to `pair.rebuilt`, writing only the rows that differ (within the
 * caller's transaction: the caller holds the locks that make the comparison exact). Deletes first
 * (a key only live), then updates the differing columns of matched rows, then inserts the rows
 * only rebuilt (all columns listed in key + columns; others take their defaults).
 */
export async function repairTable(db: SqlClient, pair: TablePair): Promise<TableRepair> {
  const { on, columnsDiffer, filterOn, parameters } = parts(pair);
  const deleted = await db.query(
    `DELETE FROM ${pair.live} l WHERE ${filterOn('l')} AND NOT EXISTS (SELECT 1 FROM ${pair.rebuilt} r WHERE ${on})`,
    parameters,
  );
  let updated = 0;
  if (pair.columns.length > 0) {
    const set = [...pair.columns.map((c) => `${c} = r.${c}`), ...Object.entries(pair.touch ?? {}).map(([c, expression]) => `${c} = ${expression}`)].join(', ');
    const result = await db.query(`UPDATE ${pair.live} l SET ${set} FROM ${pair.rebuilt} r WHERE ${on} AND ${filterOn('l')} AND (${columnsDiffer})`, parameters);
    updated = result.rowCount ?? 0;
  }
  const all = [...pair.key, ...pair.columns].join(', ');
  const inserted = await db.query(
    `INSERT INTO ${pair.live} (${all}) SELECT ${[...pair.key, ...pair.columns].map((c) => `r.${c}`).join(', ')} FROM ${pair.rebuilt} r
      WHERE ${filterOn('r')} AND NOT EXISTS (SELECT 1 FROM ${pair.live} l WHERE ${on})`,
    parameters,
  );
  return { table: pair.table, updated, inserted: inserted.rowCount ?? 0, deleted: deleted.rowCount ?? 0 };
}

/** The column names of a table, in order (`schema.table` or a table on the search path). */
export async function tableColumns(db: SqlClient, table: string): Promise<string[]> {
  const { rows } = await db.query(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [table],
  );
  return rows.map((row: { attname: string }) => row.attname);
}

/** One line per difference, for people: `ledger_accounts stream_id=acc-1: balance live 7, rebuilt 10`. */
export function renderDifference(difference: RowDifference): string {
  const key = Object.entries(difference.key).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  if (difference.kind === 'only_live') return `${difference.table} ${key}: only in the live table (the events do not produce it)`;
  if (difference.kind === 'only_rebuilt') return `${difference.table} ${key}: missing from the live table (rebuilt: ${difference.columns.map((c) => `${c.column}=${JSON.stringify(c.rebuilt)}`).join(', ')})`;
  return `${difference.table} ${key}: ${difference.columns.map((c) => `${c.column} live ${JSON.stringify(c.live)}, rebuilt ${JSON.stringify(c.rebuilt)}`).join('; ')}`;
}
