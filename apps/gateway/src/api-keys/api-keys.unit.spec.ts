import {
  apiKeyLengthMin,
  checkedDomain,
  domainKeyPrefix,
  generateApiKey,
  hashApiKey,
  hashesEqual,
  looksLikeApiKey,
  suppliedKeyProblem,
} from './api-keys';

describe('API key format', () => {
  it('generates chk_dom_ + 32 random bytes base64url (51 characters), different every time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => generateApiKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) {
      expect(key).toMatch(/^chk_dom_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(domainKeyPrefix.length), 'base64url')).toHaveLength(32);
      expect(looksLikeApiKey(key)).toBe(true);
      expect(suppliedKeyProblem(key)).toBeUndefined();
    }
  });

  it('hashes with SHA-256 to lower-case hex', () => {
    // echo -n chk_dom_test_key_0123456789 | sha256sum
    expect(hashApiKey('chk_dom_test_key_0123456789')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey('chk_dom_test_key_0123456789')).toBe(hashApiKey('chk_dom_test_key_0123456789'));
    expect(hashApiKey('chk_dom_test_key_0123456789')).not.toBe(hashApiKey('chk_dom_test_key_012345678A'));
  });

  it('compares hashes in constant time and refuses anything that is not a SHA-256', () => {
    const hash = hashApiKey(generateApiKey());
    expect(hashesEqual(hash, hash)).toBe(true);
    expect(hashesEqual(hash, hashApiKey(generateApiKey()))).toBe(false);
    expect(hashesEqual(hash, 'abcd')).toBe(false);
    expect(hashesEqual('', '')).toBe(false);
  });

  it.each([
    ['chk_dom_' + 'a'.repeat(apiKeyLengthMin - 9), 'at least 24'],
    ['chk_dom_' + 'a'.repeat(apiKeyLengthMin - 8), undefined],
    ['chk_xyz_' + 'a'.repeat(30), 'must start with chk_dom_'],
    ['demo-key-that-is-long-enough', 'must start with chk_dom_'],
    ['chk_dom_' + 'a'.repeat(20) + ' b', 'only letters'],
    ['chk_dom_' + 'a'.repeat(300), 'at most 256'],
  ])('checks an operator-supplied key %s', (key, problem) => {
    if (problem === undefined) expect(suppliedKeyProblem(key)).toBeUndefined();
    else expect(suppliedKeyProblem(key)).toContain(problem);
  });

  it('recognises bearer tokens that cannot be keys without hashing them', () => {
    expect(looksLikeApiKey('hello')).toBe(false);
    expect(looksLikeApiKey('chk_dom_short')).toBe(false);
    expect(looksLikeApiKey('Bearer chk_dom_' + 'a'.repeat(43))).toBe(false);
  });

  it('normalises domains and refuses what is not a host name', () => {
    expect(checkedDomain('  YourProduct.COM ')).toBe('yourproduct.com');
    expect(() => checkedDomain('')).toThrow('domain must be a host name');
    expect(() => checkedDomain('a b.com')).toThrow('domain must be a host name');
    expect(() => checkedDomain('x'.repeat(254))).toThrow('domain must be a host name');
  });
});
