import { runInNewContext } from 'node:vm';
import { minorUnitExponent } from '@credit-hub/contracts';
import { dashboardScript } from './dashboard.html';

// The dashboard's script run as the browser runs it (a minimal DOM: elements by id, textContent,
// children), fed read-model answers with revenue in several currencies; the totals it renders
// must be the money Stripe's minor units mean (HUF 100000 = 1000 Ft), never minor units.

interface FakeElement {
  id: string;
  value: string;
  textContent: string;
  dataset: Record<string, string>;
  children: FakeElement[];
  append(...children: FakeElement[]): void;
  replaceChildren(...children: FakeElement[]): void;
  addEventListener(): void;
}

function element(id = ''): FakeElement {
  const self: FakeElement = {
    id,
    value: '',
    textContent: '',
    dataset: {},
    children: [],
    append: (...children) => self.children.push(...children),
    replaceChildren: (...children) => (self.children = children),
    addEventListener: () => undefined,
  };
  return self;
}

/** Runs the script with `revenueTotals` as the revenue read model's totals; resolves the rendered stats { label: text }. */
async function renderedStats(revenueTotals: { currency: string; netMinor: number }[]): Promise<Record<string, string>> {
  return (await rendered({ domains: ['demo.localhost'], rows: [], byDomain: [], totals: revenueTotals })).stats;
}

type DrawnChart = { data: { labels: string[]; datasets: { label: string; yAxisID?: string; data: number[] }[] } };

/** Runs the script with `revenue` as the revenue read model's answer; resolves the rendered stats { label: text } and the charts drawn by canvas id. */
async function rendered(revenue: unknown): Promise<{ stats: Record<string, string>; charts: Map<string, DrawnChart> }> {
  const charts = new Map<string, DrawnChart>();
  const elements = new Map<string, FakeElement>();
  const body = element('body');
  const document = {
    body,
    getElementById: (id: string) => (id === 'domain-filter' ? null : elements.get(id) ?? elements.set(id, element(id)).get(id)),
    createElement: () => element(),
  };
  const answers: Record<string, unknown> = {
    credits: { domains: ['demo.localhost'], rows: [], byDomain: [] },
    conversion: { checkout: { created: 0, completed: 0 }, trials: { started: 0, converted: 0 }, refunds: { customers: 0, cameBack: 0 } },
    refunds: { byDay: [], byCategory: [], creditsConsumed: 0, creditsRefunded: 0, rate: null, disputes: { opened: 0 }, paymentFailures: 0, wouldBringBack: [] },
    revenue,
    requests: { items: [] },
    feedback: { items: [] },
  };
  const fetch = async (url: string) => {
    const view = /\/dashboard\/data\/([a-z]+)/.exec(url)?.[1] ?? '';
    return { status: 200, ok: true, json: async () => answers[view] };
  };
  const errors: unknown[] = [];
  runInNewContext(dashboardScript, {
    document, fetch, URLSearchParams, Intl, Object, Promise, Math, Number, String, Set,
    location: { href: '' }, console: { error: (error: unknown) => errors.push(error) },
    Chart: class {
      constructor(canvas: FakeElement, config: DrawnChart) {
        charts.set(canvas.id, config);
      }
      destroy(): void {}
    },
  });
  for (let turn = 0; turn < 100 && body.dataset['ready'] !== '1' && errors.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(errors).toEqual([]);
  expect(body.dataset['ready']).toBe('1');
  const totals = elements.get('totals')!;
  return { stats: Object.fromEntries(totals.children.map((stat) => [stat.dataset['stat'], stat.children[0]!.textContent])), charts };
}

describe('dashboard money', () => {
  it("shows each currency's total as Stripe's minor units mean it (HUF and ISK in hundredths, JPY whole, KWD thousandths)", async () => {
    const totals = [
      { currency: 'usd', netMinor: 4894 },
      { currency: 'huf', netMinor: 100_000 }, // 1 000 Ft: Stripe counts HUF in hundredths
      { currency: 'isk', netMinor: 48_900 }, // 489 kr
      { currency: 'jpy', netMinor: 500 },
      { currency: 'kwd', netMinor: 1234 },
    ];
    const stats = await renderedStats(totals);
    const shown = (code: string) => stats[`net revenue (${code})`];
    const format = (code: string, amount: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).format(amount);
    expect(shown('USD')).toBe(format('USD', 48.94));
    expect(shown('HUF')).toBe(format('HUF', 1000));
    expect(shown('ISK')).toBe(format('ISK', 489));
    expect(shown('JPY')).toBe(format('JPY', 500));
    expect(shown('KWD')).toBe(format('KWD', 1.234));
  });

  it("shows a connected builder's sales as gross, platform fee and net, in the header and per domain and currency", async () => {
    const figures = (grossSalesMinor: number, platformFeeMinor: number) => ({ recognisedMinor: 0, reversedMinor: 0, refundedMinor: 0, netMinor: 0, grossSalesMinor, platformFeeMinor, netSalesMinor: grossSalesMinor - platformFeeMinor });
    const { stats, charts } = await rendered({
      domains: ['builder.localhost', 'platform.localhost'],
      rows: [],
      byDomain: [
        { domain: 'builder.localhost', currency: 'eur', ...figures(700, 70) },
        { domain: 'builder.localhost', currency: 'usd', ...figures(3500, 350) },
        { domain: 'platform.localhost', currency: 'usd', ...figures(1200, 0) },
      ],
      totals: [{ currency: 'eur', ...figures(700, 70) }, { currency: 'usd', ...figures(4700, 350) }],
    });
    const format = (code: string, amount: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).format(amount);
    expect([stats['gross sales (USD)'], stats['platform fee (USD)'], stats['net sales (USD)']]).toEqual([format('USD', 47), format('USD', 3.5), format('USD', 43.5)]);
    expect([stats['gross sales (EUR)'], stats['platform fee (EUR)'], stats['net sales (EUR)']]).toEqual([format('EUR', 7), format('EUR', 0.7), format('EUR', 6.3)]);
    const sales = charts.get('chart-sales-domains')!;
    expect(sales.data.labels).toEqual(['builder.localhost', 'platform.localhost']);
    expect(sales.data.datasets.map((d) => [d.label, d.yAxisID, d.data])).toEqual([
      ['gross sales (EUR)', 'y_eur', [700, 0]], ['platform fee (EUR)', 'y_eur', [70, 0]], ['net sales (EUR)', 'y_eur', [630, 0]],
      ['gross sales (USD)', 'y_usd', [3500, 1200]], ['platform fee (USD)', 'y_usd', [350, 0]], ['net sales (USD)', 'y_usd', [3150, 1200]],
    ]);
  });

  it("uses Stripe's exponents: 0 for its zero-decimal currencies, 3 for its three-decimal ones, else 2", () => {
    expect(['jpy', 'KRW', 'ugx', 'xof'].map(minorUnitExponent)).toEqual([0, 0, 0, 0]);
    expect(['kwd', 'BHD', 'tnd'].map(minorUnitExponent)).toEqual([3, 3, 3]);
    expect(['usd', 'eur', 'huf', 'isk', 'twd'].map(minorUnitExponent)).toEqual([2, 2, 2, 2, 2]);
  });
});
