import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crossesThreshold, readLowBalanceThresholds } from './low-balance';

describe('crossesThreshold: one alert per crossing from at-or-above to below', () => {
  it.each([
    // threshold, balanceAfter, creditsTaken, crosses
    [10, 9, 1, true], // 10 → 9: from exactly the threshold
    [10, 10, 1, false], // 11 → 10: still at the threshold
    [10, 9, 0, false], // nothing taken
    [10, 8, 1, false], // 9 → 8: already below (the second consumption without a top-up)
    [10, 0, 50, true], // 50 → 0: a big jump across
    [10, -3, 20, true], // 17 → -3: a claw-back into debt
    [10, 10, 0, false],
    [1, 0, 1, true], // the smallest threshold
    [1, 1, 5, false],
  ])('threshold %i, balance after %i, %i taken → %s', (threshold, balanceAfter, taken, expected) => {
    expect(crossesThreshold(threshold, balanceAfter, taken)).toBe(expected);
  });

  it('fires once for a sequence that crosses, stays below, is topped up, and crosses again', () => {
    const threshold = 10;
    let balance = 15;
    const alerts: number[] = [];
    const debit = (credits: number) => {
      balance -= credits;
      if (crossesThreshold(threshold, balance, credits)) alerts.push(balance);
    };
    debit(6); // 15 → 9: crossing
    debit(2); // 9 → 7: no
    balance += 3; // top-up to exactly 10: re-armed
    debit(1); // 10 → 9: crossing
    balance += 100;
    debit(50); // 109 → 59: no
    expect(alerts).toEqual([9, 9]);
  });
});

describe('readLowBalanceThresholds', () => {
  it('reads the optional threshold of each domain, normalising the domain', () => {
    const result = readLowBalanceThresholds({
      domains: [{ domain: 'Demo.Localhost ', lowBalanceThreshold: 10, offerings: [] }, { domain: 'notes.localhost' }],
    });
    expect(result).toEqual({ ok: true, thresholds: new Map([['demo.localhost', 10]]) });
  });

  it.each([0, -1, 1.5, '10', null, 1_000_000_001])('refuses the threshold %p', (value) => {
    const result = readLowBalanceThresholds({ domains: [{ domain: 'a.example.com', lowBalanceThreshold: value }] });
    expect(result).toMatchObject({ ok: false, errors: [expect.stringContaining('domains[0].lowBalanceThreshold')] });
  });

  it('refuses a catalog without domains', () => {
    expect(readLowBalanceThresholds({})).toMatchObject({ ok: false });
  });

  it('reads the demo catalog', () => {
    const catalog: unknown = JSON.parse(readFileSync(join(__dirname, '../../../../deploy/catalog/demo.json'), 'utf8'));
    const result = readLowBalanceThresholds(catalog);
    expect(result.ok && [...result.thresholds.keys()]).toEqual(['demo.localhost', 'notes.localhost']);
  });
});
