import { ConnectDomainState } from '@credit-hub/contracts';
import { formatBps, renderConnectPage } from './dashboard-connect.html';

const state = (overrides: Partial<ConnectDomainState>): ConnectDomainState => ({
  domain: 'notes.localhost', accountId: null, status: 'none', chargesEnabled: false, detailsSubmitted: false, requirementsDue: [],
  applicationFeeBps: 500, refundApplicationFee: true, updatedAt: null, ...overrides,
});

describe('the dashboard\'s Connect panel', () => {
  it('shows each domain\'s state, what Stripe still needs, the fee, and a button per domain plus one for all', () => {
    const html = renderConnectPage('Acme', [
      state({ domain: 'notes.localhost', accountId: 'acct_1', status: 'ready', chargesEnabled: true, detailsSubmitted: true }),
      state({ domain: 'slides.localhost', accountId: 'acct_1', status: 'restricted', requirementsDue: ['external_account', 'tos_acceptance.date'], applicationFeeBps: 525, refundApplicationFee: false }),
    ], null);
    expect(html).toContain('<td>notes.localhost</td><td>acct_1</td>');
    expect(html).toContain('<span class="status ready">ready</span>');
    expect(html).toContain('external_account, tos_acceptance.date');
    expect(html).toContain('5.25%, kept on refunds');
    expect(html).toContain('5%, given back on refunds');
    expect(html.match(/action="\/dashboard\/connect\/onboarding"/g)).toHaveLength(3);
    expect(html).toContain('Connect all 2 domains to one Stripe account');
  });

  it('escapes every value', () => {
    const html = renderConnectPage('<b>x</b>', [state({ domain: '"><script>alert(1)</script>', requirementsDue: ['<img>'] })], '<i>bad</i>');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img>');
    expect(html).not.toContain('<b>x</b>');
    expect(html).not.toContain('<i>bad</i>');
  });

  it.each([[500, '5%'], [525, '5.25%'], [0, '0%'], [10_000, '100%'], [1, '0.01%'], [50, '0.5%']])('%d bps reads %s', (bps, text) => {
    expect(formatBps(bps)).toBe(text);
  });
});
