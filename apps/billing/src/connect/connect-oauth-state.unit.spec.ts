import { connectOAuthStateKey, issueConnectOAuthState, verifyConnectOAuthState } from './connect-oauth-state';

describe('Connect OAuth state', () => {
  const key = connectOAuthStateKey('sk_test_platform');
  const now = 1_800_000_000;

  it('verifies a state it issued until it expires', () => {
    const { id, token } = issueConnectOAuthState(key, now + 600);
    expect(token.startsWith(`${id}.${now + 600}.`)).toBe(true);
    expect(verifyConnectOAuthState(key, token, now)).toEqual({ id, expiresAt: now + 600 });
    expect(verifyConnectOAuthState(key, token, now + 600)).toBe('the state has expired; start connecting again');
  });

  it('refuses a state signed with another key, a changed expiry or id, and garbage', () => {
    const { id, token } = issueConnectOAuthState(key, now + 600);
    expect(verifyConnectOAuthState(connectOAuthStateKey('sk_test_other'), token, now)).toBe('the state is not one this hub issued');
    const signature = token.split('.')[2];
    expect(verifyConnectOAuthState(key, `${id}.${now + 6000}.${signature}`, now)).toBe('the state is not one this hub issued');
    const otherId = `${id.slice(0, -1)}${id.endsWith('A') ? 'B' : 'A'}`;
    expect(verifyConnectOAuthState(key, `${otherId}.${now + 600}.${signature}`, now)).toBe('the state is not one this hub issued');
    for (const bad of ['', 'abc', `${token}x`, token.replace(/\./g, '-')]) expect(verifyConnectOAuthState(key, bad, now)).toBe('the state is not one this hub issued');
  });

  it('issues a different id every time', () => {
    const ids = new Set(Array.from({ length: 50 }, () => issueConnectOAuthState(key, now).id));
    expect(ids.size).toBe(50);
  });
});
