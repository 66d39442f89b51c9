/**
 * Reading a histogram's running sum and count from a service's Prometheus `/metrics`, so a load
 * point can report what the ledger saw: `ledger_consume_batch_size` (commands per group-commit
 * transaction) and `ledger_consume_duration_seconds` (a consume's time in the ledger, queue to
 * commit). Undefined when the metric is not there.
 */
export interface SumCount {
  sum: number;
  count: number;
}

export async function scrapeSumCount(url: string, name: string): Promise<SumCount | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return undefined;
    const text = await response.text();
    // Summed over every label set (a histogram by outcome has one _sum and _count per outcome).
    const value = (suffix: string) => {
      const matches = [...text.matchAll(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))];
      return matches.length === 0 ? undefined : matches.reduce((sum, match) => sum + Number(match[1]), 0);
    };
    const sum = value('sum');
    const count = value('count');
    return sum === undefined || count === undefined ? undefined : { sum, count };
  } catch {
    return undefined;
  }
}

/** Batches and mean commands per batch between two scrapes. */
export function batchesBetween(before: SumCount | undefined, after: SumCount | undefined): { batches: number; meanSize: number } | undefined {
  if (!before || !after || after.count <= before.count) return undefined;
  const batches = after.count - before.count;
  return { batches, meanSize: Math.round(((after.sum - before.sum) / batches) * 10) / 10 };
}

/** Mean of a histogram between two scrapes (its unit), or undefined. */
export function meanBetween(before: SumCount | undefined, after: SumCount | undefined): number | undefined {
  if (!before || !after || after.count <= before.count) return undefined;
  return (after.sum - before.sum) / (after.count - before.count);
}
