import { domainsNamedBy, sameAccount } from './connect-scope';

describe('domainsNamedBy', () => {
  it('reads billing metadata on the object and on an invoice subscription, normalised and once', () => {
    expect(domainsNamedBy({ metadata: { domain: ' Notes.Localhost ', scopeDomain: 'notes.localhost' } })).toEqual(['notes.localhost']);
    expect(domainsNamedBy({ subscription_details: { metadata: { domain: 'a.localhost' } } })).toEqual(['a.localhost']);
    expect(domainsNamedBy({ parent: { subscription_details: { metadata: { domain: 'b.localhost' } } }, metadata: { domain: 'c.localhost' } }).sort()).toEqual(['b.localhost', 'c.localhost']);
  });

  it('names nothing for objects without billing metadata', () => {
    expect(domainsNamedBy({ id: 'du_1', object: 'dispute' })).toEqual([]);
    expect(domainsNamedBy({ metadata: { domain: '' } })).toEqual([]);
    expect(domainsNamedBy({ metadata: null })).toEqual([]);
  });
});

describe('sameAccount', () => {
  it('matches the platform with the platform and an account with itself only', () => {
    expect(sameAccount(null, undefined)).toBe(true);
    expect(sameAccount('acct_a', 'acct_a')).toBe(true);
    expect(sameAccount('acct_a', 'acct_b')).toBe(false);
    expect(sameAccount(null, 'acct_a')).toBe(false);
    expect(sameAccount('acct_a', undefined)).toBe(false);
  });
});
