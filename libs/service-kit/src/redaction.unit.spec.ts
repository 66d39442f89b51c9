import { randomBytes } from 'node:crypto';
import { redactLogArguments, redactSecrets, redactUrl } from './redaction';

const random = (n = 32) => randomBytes(n).toString('base64url');
const portalToken = `v2.${random(8).slice(0, 11)}.${random(60)}.${random(32)}`;
const formerToken = `v1.${random(60)}.${random(32)}`;
const apiKey = `chk_dom_${random()}`;
const builderKey = `chk_bld_${random()}`;

describe('redactUrl', () => {
  it.each([
    [`/portal/${portalToken}`, '/portal/[redacted]'],
    [`/portal/${portalToken}/refunds/new?kind=money&lotId=x`, '/portal/[redacted]/refunds/new?[query]'],
    [`/PORTAL/${portalToken}/refunds`, '/PORTAL/[redacted]/refunds'],
    [`/portal/${portalToken}/%zz`, '/portal/[redacted]/%zz'],
    [`/api/analytics/feedback?q=${portalToken}`, '/api/analytics/feedback?[query]'],
    ['/api/x?', '/api/x'],
    ['/api/portal/sessions', '/api/portal/sessions'],
    ['Mapped {/portal/:token, GET} route', 'Mapped {/portal/[redacted], GET} route'],
    [`/nowhere/${portalToken}/${apiKey}`, '/nowhere/[portal-token]/chk_dom_[redacted]'],
    [`http://127.0.0.1:3000/portal/${portalToken}`, 'http://127.0.0.1:3000/portal/[redacted]'],
    ['/health', '/health'],
  ])('%s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});

describe('redactSecrets', () => {
  it('removes tokens, keys, Stripe secrets, cookies and bearer values from free text, keeping its shape', () => {
    const text = [
      `GET /portal/${portalToken}/refunds?t=${portalToken} -> 400`,
      `Failed to decode param '${portalToken}%zz'`,
      `key ${apiKey} and ${builderKey} (prefix ${apiKey.slice(0, 12)})`,
      `old ${formerToken}`,
      `sk_live_${random(24).replace(/[-_]/g, 'a')} whsec_${random()}`,
      `cookie chd_session=${random()}; authorization: Bearer ${apiKey}`,
    ].join('\n');
    const redacted = redactSecrets(text);
    for (const secret of [portalToken, formerToken, apiKey, builderKey, apiKey.slice(8)]) expect(redacted).not.toContain(secret);
    expect(redacted).not.toMatch(/sk_live_[A-Za-z0-9]{6}|whsec_[A-Za-z0-9]{6}|chd_session=[A-Za-z0-9]/);
    expect(redacted).toContain('GET /portal/[redacted]/refunds?[query] -> 400');
    expect(redacted).toContain(`prefix ${apiKey.slice(0, 12)}`.slice(0, 15)); // the listing prefix stays readable
    expect(redacted).toContain('[portal-token]');
  });

  it('removes a portal token glued to a word character, and a bearer value whatever the scheme case', () => {
    const operatorKey = random(24);
    const text = [
      `GET /portal%2F${portalToken}/refunds -> 404`,
      `GET /x/%20${portalToken} -> 404`,
      `authorization: bearer ${operatorKey}`,
      `Authorization: BEARER ${operatorKey}`,
    ].join('\n');
    const redacted = redactSecrets(text);
    expect(redacted).not.toContain(portalToken);
    expect(redacted).not.toContain(portalToken.split('.')[2]);
    expect(redacted).not.toContain(operatorKey);
    expect(redacted).toContain('GET /portal%2F[portal-token]/refunds -> 404');
    expect(redactUrl(`/portal%2F${portalToken}`)).toBe('/portal%2F[portal-token]');
  });

  it('leaves ordinary text alone', () => {
    const text = 'consume of 3 credits for ada@example.com refused: insufficient_credits (lot lot_123)';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactLogArguments', () => {
  it('redacts messages, errors and string fields before the logger writes them', () => {
    const written: unknown[][] = [];
    const error = new URIError(`Failed to decode param '${portalToken}'`);
    redactLogArguments.call(undefined, [{ context: 'Problem', err: error, url: `/portal/${portalToken}` }, `GET /portal/${portalToken} failed`], (...args: unknown[]) => written.push(args));
    const line = JSON.stringify(written[0], (_key, value: unknown) => (value instanceof Error ? { message: value.message, stack: value.stack } : value));
    expect(line).not.toContain(portalToken);
    expect(line).toContain('/portal/[redacted]');
    expect(error.message).toContain(portalToken); // the caller's error is not changed
  });
});
