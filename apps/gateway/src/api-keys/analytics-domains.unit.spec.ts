import { ProblemException } from '@credit-hub/service-kit';
import { analyticsDomainsOf } from './api-key.guard';
import { ApiKeyRecord, BuilderKeyRecord, generateApiKey, looksLikeApiKey, suppliedKeyProblem } from './api-keys';

const common = { id: '00000000-0000-4000-8000-000000000001', keyPrefix: 'chk_xxx_aaaa', label: null, createdAt: new Date(0), revokedAt: null };
const domainKey: ApiKeyRecord = { ...common, kind: 'domain', domain: 'a.example' };
const builderKey: BuilderKeyRecord = { ...common, kind: 'builder', builder: 'acme', domains: ['a.example', 'b.example', 'c.example'] };

function problemOf(run: () => unknown): { status: number; code: unknown; field: unknown } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    return { status: error.getStatus(), code: error.refusal.code, field: error.refusal.field };
  }
  throw new Error('expected a ProblemException');
}

describe('the domains an analytics request reads', () => {
  it('a domain key reads its own domain, named or not', () => {
    expect(analyticsDomainsOf(domainKey, [])).toEqual(['a.example']);
    expect(analyticsDomainsOf(domainKey, [' A.example '])).toEqual(['a.example']);
  });

  it('a builder key reads all its domains by default, or the named ones (repeated or comma-separated)', () => {
    expect(analyticsDomainsOf(builderKey, [])).toEqual(['a.example', 'b.example', 'c.example']);
    expect(analyticsDomainsOf(builderKey, ['c.example'])).toEqual(['c.example']);
    expect(analyticsDomainsOf(builderKey, ['c.example,A.example', 'c.example'])).toEqual(['a.example', 'c.example']);
  });

  it('refuses a domain the key cannot read with 403 forbidden_domain, and an empty name with 400', () => {
    expect(problemOf(() => analyticsDomainsOf(domainKey, ['b.example']))).toEqual({ status: 403, code: 'forbidden_domain', field: 'domain' });
    expect(problemOf(() => analyticsDomainsOf(builderKey, ['a.example,z.example']))).toEqual({ status: 403, code: 'forbidden_domain', field: 'domain' });
    expect(problemOf(() => analyticsDomainsOf(builderKey, ['a.example,']))).toEqual({ status: 400, code: 'validation_failed', field: 'domain' });
    expect(problemOf(() => analyticsDomainsOf(builderKey, Array.from({ length: 101 }, () => 'a.example')))).toEqual({ status: 400, code: 'validation_failed', field: 'domain' });
  });
});

describe('builder key format', () => {
  it('generates chk_bld_ keys that look like keys; a supplied builder key must start with chk_bld_', () => {
    const key = generateApiKey('builder');
    expect(key).toMatch(/^chk_bld_[A-Za-z0-9_-]{43}$/);
    expect(looksLikeApiKey(key)).toBe(true);
    expect(suppliedKeyProblem(key, 'builder')).toBeUndefined();
    expect(suppliedKeyProblem(key)).toContain('chk_dom_');
    expect(suppliedKeyProblem(generateApiKey(), 'builder')).toContain('chk_bld_');
    expect(looksLikeApiKey('chk_xyz_aaaaaaaaaaaaaaaaaaaaaaaa')).toBe(false);
  });
});
