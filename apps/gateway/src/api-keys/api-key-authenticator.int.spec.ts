import { dropDatabase } from '@credit-hub/service-kit';
import { uniqueDatabaseUrl } from '@credit-hub/testing';
import { DataSource } from 'typeorm';
import { ApiKeyAuthenticator, apiKeyCacheTtlMs } from './api-key-authenticator';
import { openGatewayDatabase } from './api-key-database';
import { createApiKey, revokeApiKey, typeOrmSqlRunner } from './api-keys';

const databaseUrl = uniqueDatabaseUrl('gateway_key_cache');
let database: DataSource;

beforeAll(async () => {
  database = await openGatewayDatabase(databaseUrl);
});

afterAll(async () => {
  await database?.destroy();
  await dropDatabase(databaseUrl);
});

describe('API-key lookups cached for a short time', () => {
  it('reuses a lookup until its TTL, forgets a key revoked in this process at once, and sees a revoke elsewhere after the TTL', async () => {
    const sql = typeOrmSqlRunner(database);
    const authenticator = new ApiKeyAuthenticator(database);
    const first = await createApiKey(sql, { domain: 'cache.example', label: 'first' });
    const second = await createApiKey(sql, { domain: 'cache.example', label: 'second' });
    expect((await authenticator.authenticate(first.key))?.id).toBe(first.record.id);
    expect((await authenticator.authenticate(second.key))?.id).toBe(second.record.id);

    // Revoked in the database (as the apikey CLI does, in its own process): the cached lookup still answers.
    await revokeApiKey(sql, first.record.id);
    await revokeApiKey(sql, second.record.id);
    const revokedAt = Date.now();
    expect((await authenticator.authenticate(first.key))?.id).toBe(first.record.id);

    // Revoked "in this process": forgotten at once, the other key's lookup untouched.
    authenticator.forgetKey(first.record.id);
    expect(await authenticator.authenticate(first.key)).toBeUndefined();
    if (Date.now() - revokedAt < apiKeyCacheTtlMs / 2) expect((await authenticator.authenticate(second.key))?.id).toBe(second.record.id);

    // After the TTL the revoke made elsewhere is seen too.
    await new Promise((resolve) => setTimeout(resolve, apiKeyCacheTtlMs + 50));
    expect(await authenticator.authenticate(second.key)).toBeUndefined();
  });

  it('caches a miss too, so a flood of one unknown token asks the database once per TTL', async () => {
    let queries = 0;
    // The lookups' SQL runner opens one query runner per query: counted.
    const counting = new Proxy(database, {
      get: (target, name) => (name === 'createQueryRunner' ? () => { queries++; return target.createQueryRunner(); } : Reflect.get(target, name)),
    });
    const counted = new ApiKeyAuthenticator(counting as DataSource);
    const unknown = `chk_dom_${'u'.repeat(40)}`;
    for (let i = 0; i < 20; i++) expect(await counted.authenticate(unknown)).toBeUndefined();
    expect(queries).toBe(1);
  });
});
