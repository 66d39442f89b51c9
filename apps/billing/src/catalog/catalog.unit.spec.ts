import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CatalogLimits, validateCatalog, validateDomainInput, validateOfferingInput } from './catalog';

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
  it('accepts the checked-in demo catalog: demo.localhost with its three packs and three plans, and notes.localhost', () => {
    const result = validateCatalog(JSON.parse(readFileSync(demoFile, 'utf8')));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const [demo, notes] = result.catalog.domains;
    expect(demo).toMatchObject({ domain: 'demo.localhost', displayName: 'Demo AI', checkoutMessage: 'Credits never expire. Refunds in exchange for feedback.' });
    expect(demo.offerings.map((o) => [o.offeringId, o.kind, o.credits, o.amountMinor, o.currency])).toEqual([
      ['starter_3', 'pack', 3, 500, 'usd'],
      ['pro_100', 'pack', 100, 4900, 'usd'],
      ['team_1000', 'pack', 1000, 29900, 'usd'],
      ['builder_monthly', 'plan', 200, 900, 'usd'],
      ['builder_annual', 'plan', 2400, 8900, 'usd'],
      ['studio_monthly', 'plan', 500, 1900, 'usd'],
    ]);
    expect(demo.offerings[3]).toMatchObject({ interval: 'month', trialDays: 14, rollover: false, checkoutMessage: '14-day free trial included. All sales final after the trial.' });
    expect(demo.graceDays).toBe(3);
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
    ['an unknown kind', { kind: 'bundle' }, 'kind'],
    ['plan terms on a pack', { interval: 'month' }, 'interval'],
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

  const plan = { kind: 'plan', interval: 'month', trialDays: 14, rollover: false };

  it.each([
    ['a monthly plan with a trial', plan],
    ['an annual plan without a trial that rolls over', { ...plan, interval: 'year', trialDays: 0, rollover: true }],
    ['the longest trial Stripe takes', { ...plan, trialDays: CatalogLimits.trialDaysMax }],
    ['its own checkout text', { ...plan, checkoutMessage: '14-day free trial included. All sales final after the trial.' }],
  ])('accepts %s', (_, offering) => {
    expect(errorsOf(catalogWith(offering))).toEqual([]);
  });

  it.each([
    ['a weekly plan', { ...plan, interval: 'week' }, 'interval'],
    ['a plan without interval', { ...plan, interval: undefined }, 'interval'],
    ['a negative trial', { ...plan, trialDays: -1 }, 'trialDays'],
    ['a trial longer than Stripe takes', { ...plan, trialDays: CatalogLimits.trialDaysMax + 1 }, 'trialDays'],
    ['rollover as a string', { ...plan, rollover: 'yes' }, 'rollover'],
    ['a negative plan price', { ...plan, amountMinor: -900 }, 'amountMinor'],
    ['a plan with zero credits', { ...plan, credits: 0 }, 'credits'],
    ['a plan in an unknown currency', { ...plan, currency: 'usx' }, 'currency'],
    ['an empty checkout text', { ...plan, checkoutMessage: ' ' }, 'checkoutMessage'],
  ])('refuses %s', (_, offering, field) => {
    const errors = errorsOf(catalogWith(offering));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^domains\\[0\\]\\.offerings\\[0\\]\\.${field}: `));
  });

  it.each([
    ['no graceDays: 3', {}, 3],
    ['graceDays 0', { graceDays: 0 }, 0],
    ['graceDays at the maximum', { graceDays: CatalogLimits.graceDaysMax }, CatalogLimits.graceDaysMax],
  ])('reads the payment grace of a domain: %s', (_, domain, graceDays) => {
    const result = validateCatalog(catalogWith({}, domain));
    expect(result.ok && result.catalog.domains[0].graceDays).toBe(graceDays);
  });

  it.each([-1, CatalogLimits.graceDaysMax + 1, 1.5])('refuses graceDays %s', (graceDays) => {
    expect(errorsOf(catalogWith({}, { graceDays }))).toEqual([expect.stringMatching(/^domains\[0\]\.graceDays: /)]);
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

describe('operator input (PUT /api/operator/domains/…)', () => {
  const brand = { displayName: 'Builder AI', supportEmail: 'help@builder.localhost', checkoutMessage: '14-day free trial included.' };

  it('accepts a brand without offerings (the offerings stay as they are)', () => {
    expect(validateDomainInput('builder.localhost', brand)).toEqual({ ok: true, domain: { domain: 'builder.localhost', ...brand, graceDays: 3, freeCaps: {} } });
  });

  it('names the field of the first problem, relative to the body', () => {
    const result = validateDomainInput('builder.localhost', { ...brand, offerings: [{ offeringId: 'x', kind: 'pack', credits: 1, amountMinor: -5, currency: 'usd' }] });
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/^offerings\[0\]\.amountMinor: /)] });
    expect(validateDomainInput('Not A Host', brand)).toMatchObject({ ok: false, errors: ['domain: must be a lower-case host name'] });
    expect(validateDomainInput('builder.localhost', { ...brand, color: 'red' })).toMatchObject({ ok: false, errors: ['color: unknown property'] });
  });

  it('validates one offering with the id of the path, and reads active', () => {
    const offering = { kind: 'plan', credits: 50, amountMinor: 500, currency: 'eur', interval: 'month', trialDays: 7, rollover: true };
    expect(validateOfferingInput('mini', { ...offering, active: false })).toMatchObject({ ok: true, active: false, offering: { offeringId: 'mini', kind: 'plan', trialDays: 7 } });
    expect(validateOfferingInput('mini', { ...offering, offeringId: 'other' })).toMatchObject({ ok: false, errors: ['offeringId: must be the one in the path'] });
    expect(validateOfferingInput('mini', { ...offering, currency: 'xxx', credits: 0 })).toMatchObject({ ok: false, errors: [expect.stringMatching(/^credits: /), expect.stringMatching(/^currency: /)] });
  });
});

describe('caps of plans and of a domain\'s free tier', () => {
  const plan = { offeringId: 'builder_monthly', kind: 'plan', interval: 'month', trialDays: 14, rollover: false };

  it('reads the demo catalog\'s caps: builder plans and demo.localhost\'s free tier; notes.localhost has none', () => {
    const result = validateCatalog(JSON.parse(readFileSync(demoFile, 'utf8')));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const [demo, notes] = result.catalog.domains;
    expect(demo.freeCaps).toEqual({ scheduled_runs: false, byok: false, workspaces: 1, blocks: 50 });
    expect(demo.offerings.find((o) => o.offeringId === 'builder_monthly')).toMatchObject({ caps: { scheduled_runs: true, byok: true, workspaces: 3, blocks: 500 } });
    expect(notes.freeCaps).toEqual({});
  });

  it('keeps catalogs without caps valid: plans and free tier get empty caps', () => {
    const result = validateCatalog(catalogWith(plan));
    if (!result.ok) throw new Error(result.errors.join('\n'));
    expect(result.catalog.domains[0].freeCaps).toEqual({});
    expect(result.catalog.domains[0].offerings[0]).toMatchObject({ kind: 'plan', caps: {} });
  });

  it.each([
    ['flags and limits, 0 and the maximum', { a: true, b: false, c: 0, d: 1_000_000_000, scheduled_runs: true, blocks_2: 50 }],
    ['null (none)', null],
  ])('accepts caps: %s', (_, caps) => {
    expect(errorsOf(catalogWith({ ...plan, caps }, { freeCaps: caps }))).toEqual([]);
  });

  it.each([
    ['a negative limit', { workspaces: -1 }, 'offerings[0].caps.workspaces: must be true, false or a whole number from 0 to 1000000000'],
    ['a fractional limit', { workspaces: 1.5 }, 'offerings[0].caps.workspaces: must be true, false or a whole number'],
    ['a limit one over the maximum', { workspaces: 1_000_000_001 }, 'offerings[0].caps.workspaces: must be true'],
    ['a string value', { scheduled_runs: 'yes' }, 'offerings[0].caps.scheduled_runs: must be true'],
    ['an upper-case name', { Workspaces: 3 }, 'offerings[0].caps.Workspaces: a cap name must be'],
    ['a name with a dash', { 'blocks-create': 3 }, 'offerings[0].caps.blocks-create: a cap name must be'],
    ['an array', [1, 2], 'offerings[0].caps: must be an object'],
  ])('refuses plan caps with %s, naming the path', (_, caps, message) => {
    const errors = errorsOf(catalogWith({ ...plan, caps }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it('refuses caps on a pack (only plans entitle) and bad free caps on the domain', () => {
    expect(errorsOf(catalogWith({ caps: { workspaces: 3 } }))).toEqual(['domains[0].offerings[0].caps: unknown property']);
    expect(errorsOf(catalogWith({}, { freeCaps: { workspaces: -3 } }))).toEqual([expect.stringContaining('domains[0].freeCaps.workspaces: must be true, false or a whole number')]);
    expect(errorsOf(catalogWith({}, { freeCaps: 'all' }))).toEqual([expect.stringContaining('domains[0].freeCaps: must be an object')]);
  });

  it('the operator API takes freeCaps on a domain and caps on a plan by the same rules', () => {
    const brand = { displayName: 'Demo AI', supportEmail: 'support@demo.localhost', checkoutMessage: 'x' };
    expect(validateDomainInput('demo.localhost', { ...brand, freeCaps: { workspaces: 1 } })).toMatchObject({ ok: true, domain: { freeCaps: { workspaces: 1 } } });
    expect(validateDomainInput('demo.localhost', { ...brand, freeCaps: { workspaces: -1 } })).toMatchObject({ ok: false, errors: [expect.stringContaining('freeCaps.workspaces')] });
    const offering = { kind: 'plan', credits: 50, amountMinor: 500, currency: 'eur', interval: 'month', trialDays: 7, rollover: true, caps: { blocks: 10 } };
    expect(validateOfferingInput('mini', offering)).toMatchObject({ ok: true, offering: { caps: { blocks: 10 } } });
  });
});
