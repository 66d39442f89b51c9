import { DataSource } from 'typeorm';
import { revokeApiKey, typeOrmSqlRunner } from '../api-keys/api-keys';
import { RunningGateway, startGateway } from '../test/gateway-harness';
import { dashboardSessionTtlSeconds, hashSessionId } from './dashboard-sessions';

// Dashboard sessions on the real gateway and PostgreSQL: the cookie holds a random session id,
// never the API key; the database holds only the id's SHA-256; sign-out, expiry and revoking the
// key each end the session.

const domain = 'sessions.example';
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway();
});

afterAll(async () => {
  await gateway?.close();
});

async function signIn(apiKey: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gateway.baseUrl}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ apiKey }).toString(),
  });
}

/** The session id the sign-in set, and the cookie's attributes. */
function sessionCookie(response: Response): { id: string; attributes: string } {
  const header = response.headers.get('set-cookie') ?? '';
  const match = /^chd_session=([^;]*);(.*)$/.exec(header);
  if (!match) throw new Error('no chd_session cookie set');
  return { id: match[1] as string, attributes: match[2] as string };
}

/** Whether `GET /dashboard` with this cookie shows the dashboard (not the sign-in page). */
async function signedIn(cookieValue: string): Promise<boolean> {
  const response = await fetch(`${gateway.baseUrl}/dashboard`, { headers: { cookie: `chd_session=${cookieValue}` } });
  const html = await response.text();
  expect(response.status).toBe(200);
  return !html.includes('action="/dashboard/sign-in"');
}

const sessionRows = () => typeOrmSqlRunner(gateway.app.get(DataSource)).query<{ session_hash: string; expires_at: Date; created_at: Date }>(`SELECT session_hash, created_at, expires_at FROM dashboard_sessions`);

describe('dashboard sessions', () => {
  it('sign-in sets a random session id as an HttpOnly, SameSite=Strict cookie under /dashboard, never the key', async () => {
    const { key } = await gateway.createKey(domain);
    const first = await signIn(key);
    expect(first.status).toBe(303);
    const { id, attributes } = sessionCookie(first);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.headers.get('set-cookie')).not.toContain(key);
    expect(attributes).toContain('HttpOnly');
    expect(attributes).toContain('SameSite=Strict');
    expect(attributes).toContain('Path=/dashboard');
    expect(attributes).toContain(`Max-Age=${dashboardSessionTtlSeconds}`);
    expect(attributes).not.toContain('Secure'); // plain http here
    expect(sessionCookie(await signIn(key, { 'x-forwarded-proto': 'https' })).attributes).toContain('Secure');
    const second = sessionCookie(await signIn(key)).id;
    expect(second).not.toBe(id);
    expect(await signedIn(id)).toBe(true);
    expect(await signedIn(second)).toBe(true);
  });

  it('stores only the SHA-256 of the session id, with an expiry of 8 hours', async () => {
    const { key } = await gateway.createKey(domain);
    const { id } = sessionCookie(await signIn(key));
    const rows = await sessionRows();
    const row = rows.find((r) => r.session_hash === hashSessionId(id));
    expect(row).toBeDefined();
    expect(JSON.stringify(rows)).not.toContain(id);
    expect(JSON.stringify(rows)).not.toContain(key);
    expect((row!.expires_at.getTime() - row!.created_at.getTime()) / 1000).toBe(dashboardSessionTtlSeconds);
  });

  it('the API key itself, an unknown id or a junk cookie opens nothing', async () => {
    const { key } = await gateway.createKey(domain);
    expect(await signedIn(key)).toBe(false); // the former cookie: the key itself
    expect(await signedIn('A'.repeat(43))).toBe(false);
    expect(await signedIn('%E0%A4%A')).toBe(false); // a malformed escape is not a 500
  });

  it('sign-out ends the session on the server: the same id no longer works', async () => {
    const { key } = await gateway.createKey(domain);
    const { id } = sessionCookie(await signIn(key));
    expect(await signedIn(id)).toBe(true);
    const out = await fetch(`${gateway.baseUrl}/dashboard/sign-out`, { method: 'POST', redirect: 'manual', headers: { cookie: `chd_session=${id}` } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^chd_session=;.*Max-Age=0/);
    expect(await signedIn(id)).toBe(false);
    expect((await sessionRows()).some((r) => r.session_hash === hashSessionId(id))).toBe(false);
  });

  it('an expired session opens nothing', async () => {
    const { key } = await gateway.createKey(domain);
    const { id } = sessionCookie(await signIn(key));
    await typeOrmSqlRunner(gateway.app.get(DataSource)).query(`UPDATE dashboard_sessions SET created_at = now() - interval '9 hours', expires_at = now() - interval '1 hour' WHERE session_hash = $1`, [hashSessionId(id)]);
    expect(await signedIn(id)).toBe(false);
  });

  it("revoking the API key ends its sessions, and only its", async () => {
    const revoked = await gateway.createKey(domain);
    const kept = await gateway.createKey(domain);
    const ended = sessionCookie(await signIn(revoked.key)).id;
    const alive = sessionCookie(await signIn(kept.key)).id;
    await revokeApiKey(typeOrmSqlRunner(gateway.app.get(DataSource)), revoked.id);
    expect(await signedIn(ended)).toBe(false);
    expect(await signedIn(alive)).toBe(true);
    const data = await fetch(`${gateway.baseUrl}/dashboard/data/summary`, { headers: { cookie: `chd_session=${ended}` } });
    expect(data.status).toBe(401);
  });
});
