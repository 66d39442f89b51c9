import { openGatewayDatabase } from './api-key-database';
import { refusalCode } from './api-key-refusal.testing';
import { createApiKey, findActiveApiKeyByHash, hashApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { useGatewayDatabase } from '../test/gateway-harness';

const keysDb = useGatewayDatabase('gateway_keys');

const refusal = refusalCode;

describe('API keys on PostgreSQL', () => {
  it('opens an existing, already migrated database again', async () => {
    const again = await openGatewayDatabase(keysDb.databaseUrl);
    await again.destroy();
  });

  it('creates a key, storing only its hash and prefix', async () => {
    const { record, key, created } = await createApiKey(keysDb.sql, { domain: 'Create.Example', label: 'ci' });
    expect(created).toBe(true);
    expect(record).toMatchObject({ kind: 'domain', domain: 'create.example', keyPrefix: key.slice(0, 12), label: 'ci', revokedAt: null });
    const rows = await keysDb.sql.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [record.id]);
    expect(rows[0]?.['key_hash']).toBe(hashApiKey(key));
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it('stores a given key once: creating it again for the same domain is idempotent', async () => {
    const key = 'chk_dom_demo_key_for_tests_0001';
    const first = await createApiKey(keysDb.sql, { domain: 'demo.example', key });
    const second = await createApiKey(keysDb.sql, { domain: 'DEMO.example', key, label: 'other label' });
    expect(first.created).toBe(true);
    expect(second).toEqual({ record: first.record, key, created: false });
    expect(await listApiKeys(keysDb.sql, { domain: 'demo.example' })).toHaveLength(1);
  });

  it('refuses a given key that is malformed, belongs to another domain, or was revoked', async () => {
    expect(await refusal(createApiKey(keysDb.sql, { domain: 'demo.example', key: 'chk_dom_short' }))).toBe('invalid_key');
    expect(await refusal(createApiKey(keysDb.sql, { domain: 'demo.example', key: 'sk_live_aaaaaaaaaaaaaaaaaaaaaaaa' }))).toBe('invalid_key');
    expect(await refusal(createApiKey(keysDb.sql, { domain: 'not a domain' }))).toBe('invalid_domain');
    expect(await refusal(createApiKey(keysDb.sql, { domain: 'other.example', key: 'chk_dom_demo_key_for_tests_0001' }))).toBe('key_exists_for_other_domain');
    const revoked = await createApiKey(keysDb.sql, { domain: 'demo.example', key: 'chk_dom_demo_key_for_tests_0002' });
    await revokeApiKey(keysDb.sql, revoked.record.id);
    expect(await refusal(createApiKey(keysDb.sql, { domain: 'demo.example', key: 'chk_dom_demo_key_for_tests_0002' }))).toBe('key_revoked');
  });

  it('lists keys oldest first, all or of one domain', async () => {
    const a = await createApiKey(keysDb.sql, { domain: 'list-a.example' });
    const b = await createApiKey(keysDb.sql, { domain: 'list-b.example' });
    const c = await createApiKey(keysDb.sql, { domain: 'list-a.example' });
    expect((await listApiKeys(keysDb.sql, { domain: 'LIST-A.example' })).map((r) => r.id)).toEqual([a.record.id, c.record.id]);
    const all = (await listApiKeys(keysDb.sql)).map((r) => r.id);
    expect(all).toEqual(expect.arrayContaining([a.record.id, b.record.id, c.record.id]));
    expect(all.indexOf(a.record.id)).toBeLessThan(all.indexOf(b.record.id));
  });

  it('revokes by id, by prefix or by the key itself; a revoked key is no longer found', async () => {
    const byId = await createApiKey(keysDb.sql, { domain: 'revoke.example' });
    const byPrefix = await createApiKey(keysDb.sql, { domain: 'revoke.example' });
    const byKey = await createApiKey(keysDb.sql, { domain: 'revoke.example' });
    expect(await findActiveApiKeyByHash(keysDb.sql, hashApiKey(byId.key))).toMatchObject({ id: byId.record.id });
    const revoked = [
      await revokeApiKey(keysDb.sql, byId.record.id.toUpperCase()),
      await revokeApiKey(keysDb.sql, byPrefix.record.keyPrefix),
      await revokeApiKey(keysDb.sql, byKey.key),
    ];
    expect(revoked.map((r) => r.id)).toEqual([byId.record.id, byPrefix.record.id, byKey.record.id]);
    for (const record of revoked) expect(record.revokedAt).toBeInstanceOf(Date);
    for (const { key } of [byId, byPrefix, byKey]) expect(await findActiveApiKeyByHash(keysDb.sql, hashApiKey(key))).toBeUndefined();
    // Revoking again changes nothing.
    expect((await revokeApiKey(keysDb.sql, byId.record.id)).revokedAt).toEqual(revoked[0]?.revokedAt);
  });

  it('refuses to revoke an unknown key or an ambiguous prefix', async () => {
    expect(await refusal(revokeApiKey(keysDb.sql, '00000000-0000-4000-8000-000000000000'))).toBe('not_found');
    expect(await refusal(revokeApiKey(keysDb.sql, 'nonsense'))).toBe('not_found');
    const one = await createApiKey(keysDb.sql, { domain: 'ambiguous.example', key: 'chk_dom_SAMEprefix_aaaaaaaaaa' });
    await createApiKey(keysDb.sql, { domain: 'ambiguous.example', key: 'chk_dom_SAMEprefix_bbbbbbbbbb' });
    expect(await refusal(revokeApiKey(keysDb.sql, one.record.keyPrefix))).toBe('ambiguous');
  });
});
