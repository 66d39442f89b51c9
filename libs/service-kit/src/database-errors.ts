/**
 * Which database errors are caused by the data of a request rather than by an outage, so they are
 * answered as bad input (4xx, not retryable) instead of a retryable 503/500 that a client following
 * our retry advice would repeat forever.
 *
 * SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html):
 * - class 22 "data exception": invalid byte sequence (22021: a NUL in text), unsupported Unicode
 *   escape in jsonb (22P05), invalid text representation (22P02), value too long (22001), numeric
 *   out of range (22003)…: the same data fails the same way on every retry.
 * - class 23 "integrity constraint violation", except 23505 `unique_violation`: not-null (23502),
 *   foreign key (23503), check (23514), exclusion (23P01). 23505 stays a conflict: the code relies
 *   on unique keys for idempotency and optimistic concurrency (a concurrent writer won; the retry
 *   finds its row), and retries it where it can.
 * Everything else (connection lost, 40001 serialization, 40P01 deadlock, 57P01 shutdown…) is not a
 * data error.
 */

/** A database error caused by the data: its SQLSTATE and a sentence safe to show (no SQL, no values). */
export interface DataError {
  sqlState: string;
  detail: string;
}

/** Deepest `cause`/`driverError` chain followed (TypeORM's QueryFailedError wraps pg's error). */
const causeDepthMax = 5;

/** The SQLSTATE of a pg / TypeORM error (own `code`, else its `driverError` or `cause`), if any. */
export function sqlStateOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < causeDepthMax && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    const next = (current as { driverError?: unknown; cause?: unknown }).driverError ?? (current as { cause?: unknown }).cause;
    current = next;
  }
  return undefined;
}

/** True for SQLSTATE class 22, or class 23 other than 23505 (see above). */
export function isDataSqlState(sqlState: string): boolean {
  return sqlState.startsWith('22') || (sqlState.startsWith('23') && sqlState !== '23505');
}

/**
 * The data error behind `error`, or undefined when it is not one (an outage, a conflict, a bug).
 * The detail names the SQLSTATE only: the driver's message may quote values or constraint names.
 */
export function dataErrorOf(error: unknown): DataError | undefined {
  const sqlState = sqlStateOf(error);
  if (sqlState === undefined || !isDataSqlState(sqlState)) return undefined;
  const what = sqlState.startsWith('22') ? 'a value the database cannot store' : 'a value the database refuses (an integrity rule)';
  return { sqlState, detail: `The request carries ${what} (SQLSTATE ${sqlState}); sending it again will fail the same way` };
}
