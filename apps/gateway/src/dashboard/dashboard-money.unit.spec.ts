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
    revenue: { domains: ['demo.localhost'], rows: [], byDomain: [], totals: revenueTotals },
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
    Chart: class { destroy(): void {} },
  });
  for (let turn = 0; turn < 100 && body.dataset['ready'] !== '1' && errors.length === 0; turn++) await new Promise((resolve) => setImmediate(resolve));
  expect(errors).toEqual([]);
  expect(body.dataset['ready']).toBe('1');
  const totals = elements.get('totals')!;
  return Object.fromEntries(totals.children.map((stat) => [stat.dataset['stat'], stat.children[0]!.textContent]));
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

  it("uses Stripe's exponents: 0 for its zero-decimal currencies, 3 for its three-decimal ones, else 2", () => {
    expect(['jpy', 'KRW', 'ugx', 'xof'].map(minorUnitExponent)).toEqual([0, 0, 0, 0]);
    expect(['kwd', 'BHD', 'tnd'].map(minorUnitExponent)).toEqual([3, 3, 3]);
    expect(['usd', 'eur', 'huf', 'isk', 'twd'].map(minorUnitExponent)).toEqual([2, 2, 2, 2, 2]);
  });
});
