import { Client } from 'pg';
import { dropDatabase } from '@credit-hub/service-kit';
import { uniqueDatabaseUrl } from '@credit-hub/testing';
import { openGatewayDatabase } from '../api-keys/api-key-database';
import { runApiKeyCli } from './apikey-cli';

// The operator tool end to end on a database the gateway created and migrated at its boot.
const databaseUrl = uniqueDatabaseUrl('apikey_cli');
const env = { GATEWAY_DATABASE_URL: databaseUrl };

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runApiKeyCli(argv, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  await (await openGatewayDatabase(databaseUrl)).destroy(); // what the gateway does when it starts
});

afterAll(async () => {
  await dropDatabase(databaseUrl);
});

async function databaseExists(url: string): Promise<boolean> {
  const admin = new URL(url);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('npm run apikey', () => {
  it('creates, lists and revokes keys', async () => {
    const created = await run('create', '--domain', 'Cli.Example', '--label', 'first', '--json');
    expect(created.code).toBe(0);
    const { id, key, domain } = JSON.parse(created.out) as { id: string; key: string; domain: string };
    expect(domain).toBe('cli.example');
    expect(key).toMatch(/^chk_dom_[A-Za-z0-9_-]{43}$/);

    const human = await run('create', '--domain', 'cli.example');
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/Created API key for cli\.example[\s\S]*key: {4}chk_dom_[\s\S]*not shown again/);

    const listed = await run('list', '--domain', 'cli.example');
    expect(listed.code).toBe(0);
    expect(listed.out.split('\n')).toHaveLength(3); // header + 2 keys
    expect(listed.out).toContain(key.slice(0, 12));
    expect(listed.out).not.toContain(key);

    const revoked = await run('revoke', id, '--json');
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.out)).toMatchObject({ id, revokedAt: expect.any(String) });
    const after = JSON.parse((await run('list', '--json')).out) as Array<{ id: string; revokedAt: string | null }>;
    expect(after.find((record) => record.id === id)?.revokedAt).toEqual(expect.any(String));
  });

  it('stores a given --key idempotently (npm start with DEMO_API_KEY)', async () => {
    const key = 'chk_dom_demo_0123456789abcdef';
    const first = await run('create', '--domain', 'demo.example', '--key', key, '--json');
    const second = await run('create', '--domain', 'demo.example', '--key', key, '--json');
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(JSON.parse(second.out)).toEqual(JSON.parse(first.out));
    expect(JSON.parse(first.out)).toMatchObject({ key, domain: 'demo.example' });
  });

  it('refuses bad input with sysexits codes', async () => {
    expect(await run('create', '--domain', 'demo.example', '--key', 'demo-key')).toMatchObject({ code: 65, err: expect.stringContaining('chk_dom_') });
    expect(await run('create', '--domain', 'demo.example', '--key', 'chk_dom_short')).toMatchObject({ code: 65, err: expect.stringContaining('24') });
    expect(await run('revoke', 'chk_dom_none')).toMatchObject({ code: 65 });
    expect(await run('frobnicate')).toMatchObject({ code: 64, err: expect.stringContaining('Usage') });
    expect((await run('--help')).out).toContain('Usage');
  });

  it('says so when PostgreSQL cannot be reached', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runApiKeyCli(['list'], { GATEWAY_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/hub_gateway' }, {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    expect(code).toBe(69);
    expect(err.join('\n')).toContain('cannot open the gateway database');
  });

  it('never creates a database: a mistyped GATEWAY_DATABASE_URL is a configuration error (78), no key printed, no database made', async () => {
    const typo = `${databaseUrl}_typo`;
    const out: string[] = [];
    const err: string[] = [];
    const code = await runApiKeyCli(['create', '--domain', 'typo.example', '--json'], { GATEWAY_DATABASE_URL: typo }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(78);
    expect(out).toEqual([]);
    expect(err.join('\n')).toMatch(/database \S+_typo does not exist: check GATEWAY_DATABASE_URL/);
    expect(await databaseExists(typo)).toBe(false);
  });

  it('refuses a database the gateway never migrated (78) and leaves it as it was', async () => {
    const bare = uniqueDatabaseUrl('apikey_cli_bare');
    const admin = new URL(bare);
    const name = admin.pathname.slice(1);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
    try {
      const err: string[] = [];
      const code = await runApiKeyCli(['list'], { GATEWAY_DATABASE_URL: bare }, { out: () => undefined, err: (l) => err.push(l) });
      expect(code).toBe(78);
      expect(err.join('\n')).toContain('has not migrated it yet');
      const db = new Client({ connectionString: bare });
      await db.connect();
      const tables = (await db.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n;
      await db.end();
      expect(tables).toBe(0);
    } finally {
      await dropDatabase(bare);
    }
  });
});
