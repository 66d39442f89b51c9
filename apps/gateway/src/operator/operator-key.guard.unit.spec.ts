import { validateEnvironment } from '@credit-hub/service-kit';
import { hashApiKey } from '../api-keys/api-keys';
import { operatorKeyMatches } from './operator-key.guard';
import { OperatorConfig } from './operator.config';

const key = 'chk_op_9f2c4e7a1b3d5f6e8a0c2e4f6a8b0d2e';
const other = 'chk_op_0000000000000000000000000000000';

describe('operator keys', () => {
  it('accepts a key whose SHA-256 is configured, among several', () => {
    expect(operatorKeyMatches(key, [hashApiKey(other), hashApiKey(key)])).toBe(true);
  });

  it.each([
    ['another key', other],
    ['no key', undefined],
    ['a key too short to be one', 'short'],
    ['a domain key hashed nowhere', 'chk_dom_abcdefghijklmnopqrstuvwxyz012345'],
  ])('refuses %s', (_, token) => {
    expect(operatorKeyMatches(token, [hashApiKey(key)])).toBe(false);
  });

  it('refuses everything when none is configured', () => {
    expect(operatorKeyMatches(key, [])).toBe(false);
  });

  it('reads OPERATOR_API_KEYS as comma-separated hashes and refuses anything else at boot', () => {
    const hashes = [hashApiKey(key), hashApiKey(other)];
    expect(validateEnvironment(OperatorConfig, { OPERATOR_API_KEYS: ` ${hashes[0]} , ${hashes[1]}` }).operatorKeyHashes).toEqual(hashes);
    expect(validateEnvironment(OperatorConfig, {}).operatorKeyHashes).toEqual([]);
    expect(() => validateEnvironment(OperatorConfig, { OPERATOR_API_KEYS: key })).toThrow(/OPERATOR_API_KEYS/);
  });
});
