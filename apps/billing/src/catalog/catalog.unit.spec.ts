import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CatalogLimits, validateCatalog } from './catalog';

const demoFile = resolve(__dirname, '../../../../deploy/catalog/demo.json');

/** A catalog with one domain and one offering, `offering` merged over a valid pack. */
function catalogWith(offering: Record<string, unknown>, domain: Record<string, unknown> = {}) {
  return {
    domains: [
      {
        domain: 'demo.localhost',
        displayName: 'Demo AI',
        supportEmail: 'support@demo.localhost',
        checkoutMessage: 'Credits never expire.',
        offerings: [{ offeringId: 'starter_3', kind: 'pack', credits: 3, amountMinor: 500, currency: 'usd', scopeDomain: null, ...offering }],
        ...domain,
      },
    ],
  };
}

function errorsOf(input: unknown): string[] {
  const result = validateCatalog(input);
  return result.ok ? [] : result.errors;
}

describe('validateCatalog', () => {
  it('accepts the checked-in demo catalog: demo.localhost with its three packs, and notes.localhost', () => {
    const result = validateCatalog(JSON.parse(readFileSync(demoFile, 'utf8')));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const [demo, notes] = result.catalog.domains;
    expect(demo).toMatchObject({ domain: 'demo.localhost', displayName: 'Demo AI', checkoutMessage: 'Credits never expire. Refunds in exchange for feedback.' });
    expect(demo.offerings.map((o) => [o.offeringId, o.credits, o.amountMinor, o.currency])).toEqual([
      ['starter_3', 3, 500, 'usd'],
      ['pro_100', 100, 4900, 'usd'],
      ['team_1000', 1000, 29900, 'usd'],
    ]);
    expect(notes.domain).toBe('notes.localhost');
    expect(notes.offerings.length).toBeGreaterThan(0);
  });

  // Table-driven, with the ±1 edges (TigerBeetle style).
  it.each([
    ['credits 1 (smallest pack)', { credits: 1 }],
    ['credits at the maximum', { credits: CatalogLimits.creditsMax }],
    ['amountMinor 0 (a free pack)', { amountMinor: 0 }],
    ['amountMinor at Stripe’s maximum', { amountMinor: CatalogLimits.amountMinorMax }],
    ['another known currency', { currency: 'eur' }],
    ['a scope domain', { scopeDomain: 'demo.localhost' }],
    ['no scopeDomain property', { scopeDomain: undefined }],
  ])('accepts %s', (_, offering) => {
    expect(errorsOf(catalogWith(offering))).toEqual([]);
  });

  it.each([
    ['zero credits', { credits: 0 }, 'credits'],
    ['negative credits', { credits: -3 }, 'credits'],
    ['fractional credits', { credits: 2.5 }, 'credits'],
    ['credits as a string', { credits: '3' }, 'credits'],
    ['credits above the maximum', { credits: CatalogLimits.creditsMax + 1 }, 'credits'],
    ['a negative price', { amountMinor: -1 }, 'amountMinor'],
    ['a fractional price (money is minor units)', { amountMinor: 4.99 }, 'amountMinor'],
    ['a price above Stripe’s maximum', { amountMinor: CatalogLimits.amountMinorMax + 1 }, 'amountMinor'],
    ['an unknown currency', { currency: 'xyz' }, 'currency'],
    ['an upper-case currency', { currency: 'USD' }, 'currency'],
    ['a 4-letter currency', { currency: 'usdd' }, 'currency'],
    ['a missing currency', { currency: undefined }, 'currency'],
    ['a plan (not sold yet)', { kind: 'plan' }, 'kind'],
    ['a bad offeringId', { offeringId: 'starter 3' }, 'offeringId'],
    ['an unknown property', { price: 5 }, 'price'],
    ['a bad scope domain', { scopeDomain: 'Not A Host' }, 'scopeDomain'],
  ])('refuses %s', (_, offering, field) => {
    const errors = errorsOf(catalogWith(offering));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^domains\\[0\\]\\.offerings\\[0\\]\\.${field}: `));
  });

  it.each([
    ['an upper-case domain', { domain: 'Demo.Localhost' }, 'domain'],
    ['a support email without @', { supportEmail: 'support' }, 'supportEmail'],
    ['an empty display name', { displayName: ' ' }, 'displayName'],
    ['a checkout message Stripe would refuse', { checkoutMessage: 'x'.repeat(CatalogLimits.checkoutMessageLengthMax + 1) }, 'checkoutMessage'],
  ])('refuses a domain with %s', (_, domain, field) => {
    expect(errorsOf(catalogWith({}, domain))).toEqual([expect.stringMatching(new RegExp(`^domains\\[0\\]\\.${field}: `))]);
  });

  it('refuses the same offering twice and the same domain twice', () => {
    const one = catalogWith({});
    const twice = { domains: [{ ...one.domains[0], offerings: [...one.domains[0].offerings, ...one.domains[0].offerings] }, one.domains[0]] };
    expect(errorsOf(twice)).toEqual([
      'domains[0].offerings[1].offeringId: starter_3 is listed twice',
      'domains[1].domain: demo.localhost is listed twice',
    ]);
  });

  it('names every problem at once', () => {
    expect(errorsOf(catalogWith({ credits: 0, amountMinor: -1, currency: 'xyz' }))).toHaveLength(3);
  });

  it.each([null, [], {}, { domains: [] }, { domains: 'demo.localhost' }])('refuses a file that is not a catalog: %j', (input) => {
    expect(errorsOf(input).length).toBeGreaterThan(0);
  });
});
