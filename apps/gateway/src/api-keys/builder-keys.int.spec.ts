import { runApiKeyCli } from '../cli/apikey-cli';
import { refusalCode } from './api-key-refusal.testing';
import { createApiKey, createBuilderKey, findActiveApiKeyByHash, hashApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { useGatewayDatabase } from '../test/gateway-harness';

// Builder keys on the real gateway schema (migrations included) and through the operator tool.
const keysDb = useGatewayDatabase('gateway_builder_keys');

const refusal = refusalCode;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runApiKeyCli(argv, { GATEWAY_DATABASE_URL: keysDb.databaseUrl }, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('builder keys on PostgreSQL', () => {
  it('creates a chk_bld_ key over several domains (normalised, de-duplicated, sorted); found by its hash as a builder key', async () => {
    const { record, key, created } = await createBuilderKey(keysDb.sql, { builder: 'Acme Labs', domains: ['B.example', 'a.example', 'b.example'], label: 'ci' });
    expect(created).toBe(true);
    expect(key).toMatch(/^chk_bld_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ kind: 'builder', builder: 'Acme Labs', domains: ['a.example', 'b.example'], keyPrefix: key.slice(0, 12), label: 'ci', revokedAt: null });
    expect(await findActiveApiKeyByHash(keysDb.sql, hashApiKey(key))).toEqual(record);
    const [row] = await keysDb.sql.query<Record<string, unknown>>('SELECT kind, domain, builder_domains FROM api_keys WHERE id = $1', [record.id]);
    expect(row).toEqual({ kind: 'builder', domain: null, builder_domains: ['a.example', 'b.example'] });
  });

  it('is idempotent for the same key, builder and domains; refuses another builder, other domains, a domain key value, a revoked key', async () => {
    const key = 'chk_bld_builder_key_for_tests_01';
    const first = await createBuilderKey(keysDb.sql, { builder: 'acme', domains: ['x.example', 'y.example'], key });
    const again = await createBuilderKey(keysDb.sql, { builder: 'acme', domains: ['y.example', 'X.example'], key });
    expect(again).toEqual({ record: first.record, key, created: false });
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: 'other', domains: ['x.example', 'y.example'], key }))).toBe('key_exists_for_other_builder');
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: 'acme', domains: ['x.example'], key }))).toBe('key_exists_for_other_builder');
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: 'acme', domains: ['x.example'], key: 'chk_dom_builder_key_for_tests_01' }))).toBe('invalid_key');
    expect(await refusal(createApiKey(keysDb.sql, { domain: 'x.example', key }))).toBe('invalid_key');
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: '', domains: ['x.example'] }))).toBe('invalid_builder');
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: 'acme', domains: [] }))).toBe('invalid_domain');
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: 'acme', domains: ['not a domain'] }))).toBe('invalid_domain');
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: 'acme', domains: Array.from({ length: 101 }, (_, i) => `d${i}.example`) }))).toBe('invalid_domain');
    await revokeApiKey(keysDb.sql, first.record.id);
    expect(await refusal(createBuilderKey(keysDb.sql, { builder: 'acme', domains: ['x.example', 'y.example'], key }))).toBe('key_revoked');
    expect(await findActiveApiKeyByHash(keysDb.sql, hashApiKey(key))).toBeUndefined();
  });

  it('the schema refuses a builder row without domains or with a domain', async () => {
    await expect(keysDb.sql.query(`INSERT INTO api_keys (kind, domain, builder, builder_domains, key_prefix, key_hash) VALUES ('builder', NULL, 'b', '{}', 'chk_bld_aaaa', repeat('a', 64))`)).rejects.toThrow(/api_keys_kind_shape/);
    await expect(keysDb.sql.query(`INSERT INTO api_keys (kind, domain, builder, builder_domains, key_prefix, key_hash) VALUES ('builder', 'x.example', 'b', '{x.example}', 'chk_bld_aaaa', repeat('b', 64))`)).rejects.toThrow(/api_keys_kind_shape/);
    await expect(keysDb.sql.query(`INSERT INTO api_keys (kind, domain, key_prefix, key_hash) VALUES ('domain', NULL, 'chk_dom_aaaa', repeat('c', 64))`)).rejects.toThrow(/api_keys_kind_shape/);
  });

  it('lists by builder, and by domain (its domain keys and the builder keys reading it)', async () => {
    const builder = await createBuilderKey(keysDb.sql, { builder: 'lister', domains: ['l1.example', 'l2.example'] });
    const domainKey = await createApiKey(keysDb.sql, { domain: 'l2.example' });
    expect((await listApiKeys(keysDb.sql, { builder: 'lister' })).map((r) => r.id)).toEqual([builder.record.id]);
    expect((await listApiKeys(keysDb.sql, { domain: 'l2.example' })).map((r) => r.id)).toEqual([builder.record.id, domainKey.record.id]);
    expect((await listApiKeys(keysDb.sql, { domain: 'l1.example' })).map((r) => r.kind)).toEqual(['builder']);
  });

  it('npm run apikey -- create --builder --domains, list, revoke', async () => {
    const created = await cli('create', '--builder', 'cli-builder', '--domains', 'one.example, Two.example', '--json');
    expect(created).toMatchObject({ code: 0 });
    const { id, key, builder, domains } = JSON.parse(created.out) as { id: string; key: string; builder: string; domains: string[] };
    expect({ builder, domains }).toEqual({ builder: 'cli-builder', domains: ['one.example', 'two.example'] });
    expect(key).toMatch(/^chk_bld_/);
    const listed = await cli('list', '--builder', 'cli-builder');
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('builder cli-builder: one.example, two.example');
    expect(listed.out).not.toContain(key);
    expect(JSON.parse((await cli('list', '--domain', 'two.example', '--json')).out)).toEqual([expect.objectContaining({ id, kind: 'builder', builder: 'cli-builder', domains: ['one.example', 'two.example'] })]);
    expect((await cli('revoke', key)).out).toContain('builder cli-builder');
    expect(await cli('create', '--builder', 'x', '--domains', 'bad domain!')).toMatchObject({ code: 65 });
    expect(await cli('create', '--builder', 'x')).toMatchObject({ code: 64 });
    expect(await cli('create', '--domains', 'a.example')).toMatchObject({ code: 64 });
  });
});
