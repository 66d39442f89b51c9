import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultRefundPolicy, parseRefundCatalog } from './refund-policy';

const domain = (extra: Record<string, unknown> = {}) => ({ domain: 'app.example.com', displayName: 'App', supportEmail: 'help@app.example.com', offerings: [], ...extra });

describe('refund policies from the catalog', () => {
  it('fills every default when a domain has no refundPolicy', () => {
    const result = parseRefundCatalog({ domains: [domain()] });
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.domains.get('app.example.com')).toEqual({ domain: 'app.example.com', displayName: 'App', supportEmail: 'help@app.example.com', policy: defaultRefundPolicy });
    expect(defaultRefundPolicy).toEqual({
      windowDays: 14,
      refundsPerWindow: 1,
      creditsPerRefundMax: null,
      moneyRefunds: { enabled: false, withinDays: 14 },
      reviewThreshold: { refundsIn30Days: null, creditsIn30Days: null },
    });
  });

  it('reads every field and keeps defaults for the ones left out', () => {
    const result = parseRefundCatalog({ domains: [domain({ refundPolicy: { windowDays: 30, creditsPerRefundMax: 50, moneyRefunds: { enabled: true }, reviewThreshold: { creditsIn30Days: 500 } } })] });
    expect(result.ok && result.domains.get('app.example.com')?.policy).toEqual({
      windowDays: 30,
      refundsPerWindow: 1,
      creditsPerRefundMax: 50,
      moneyRefunds: { enabled: true, withinDays: 14 },
      reviewThreshold: { refundsIn30Days: null, creditsIn30Days: 500 },
    });
  });

  it.each([
    [{ windowDays: 0 }, 'refundPolicy.windowDays: must be a whole number from 1 to 365'],
    [{ windowDays: 366 }, 'refundPolicy.windowDays: must be a whole number from 1 to 365'],
    [{ refundsPerWindow: 1.5 }, 'refundPolicy.refundsPerWindow: must be a whole number from 1 to 1000'],
    [{ creditsPerRefundMax: '10' }, 'refundPolicy.creditsPerRefundMax: must be a whole number'],
    [{ moneyRefunds: { enabled: 'yes' } }, 'refundPolicy.moneyRefunds.enabled: must be true or false'],
    [{ moneyRefunds: { withinDays: 0 } }, 'refundPolicy.moneyRefunds.withinDays: must be a whole number from 1 to 365'],
    [{ reviewThreshold: { refundsIn30Days: -1 } }, 'refundPolicy.reviewThreshold.refundsIn30Days: must be a whole number'],
    [{ windowdays: 14 }, 'refundPolicy.windowdays: unknown property'],
    [{ moneyRefunds: { enabled: true, within: 3 } }, 'refundPolicy.moneyRefunds.within: unknown property'],
    ['strict', 'refundPolicy: must be an object'],
  ])('refuses %j', (refundPolicy, message) => {
    const result = parseRefundCatalog({ domains: [domain({ refundPolicy })] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join('\n')).toContain(message);
  });

  it('refuses a file without domains, a domain listed twice and a missing brand', () => {
    expect(parseRefundCatalog([])).toMatchObject({ ok: false });
    const twice = parseRefundCatalog({ domains: [domain(), domain()] });
    expect(!twice.ok && twice.errors).toEqual(['domains[1].domain: app.example.com is listed twice']);
    const unbranded = parseRefundCatalog({ domains: [{ domain: 'x.example.com' }] });
    expect(!unbranded.ok && unbranded.errors).toEqual(['domains[0].displayName: must be a non-empty string of at most 100 characters', 'domains[0].supportEmail: must be an email address']);
  });

  it('reads the demo catalog: demo.localhost refunds money within 30 days, notes.localhost credits only', () => {
    const file = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'deploy', 'catalog', 'demo.json'), 'utf8'));
    const result = parseRefundCatalog(file);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.domains.get('demo.localhost')?.policy.moneyRefunds).toEqual({ enabled: true, withinDays: 30 });
    expect(result.domains.get('notes.localhost')?.policy.moneyRefunds.enabled).toBe(false);
  });
});
