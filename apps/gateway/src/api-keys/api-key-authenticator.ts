import { Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@credit-hub/service-kit';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { AnyApiKeyRecord, findActiveApiKeyByHash, hashApiKey, looksLikeApiKey, SqlRunner, typeOrmSqlRunner } from './api-keys';

/**
 * How long a lookup (hit or miss) is reused: 1 s. A revoke made in this process (`forgetKey`)
 * takes effect at once; one made elsewhere (the `apikey` CLI, another gateway replica) within
 * this time (docs/operations.md, "API keys").
 */
export const apiKeyCacheTtlMs = 1000;
/** Bound on cached lookups (least recently used out first), so a flood of random tokens cannot grow memory without limit. */
export const apiKeyCacheEntriesMax = 10_000;

/** A cached lookup: the live key, or null for a token that names none (misses are cached too). */
type CachedLookup = AnyApiKeyRecord | null;

/**
 * Turns a bearer token into the live API key it names. Lookups are by SHA-256 of the token
 * (only the hash is kept, as in the database) and are cached in an LRU (lru-cache) for at most
 * `apiKeyCacheTtlMs`, misses included, so a hot route asks the database about a key at most
 * once a second.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger('ApiKeys');
  private readonly sql: SqlRunner;
  private readonly cache = new LRUCache<string, { lookup: CachedLookup }>({ max: apiKeyCacheEntriesMax, ttl: apiKeyCacheTtlMs });

  constructor(dataSource: DataSource) {
    this.sql = typeOrmSqlRunner(dataSource);
  }

  /** The live key (domain or builder) for `token`, or undefined. A database failure is a 503, not a 401. */
  async authenticate(token: string | undefined): Promise<AnyApiKeyRecord | undefined> {
    if (token === undefined || !looksLikeApiKey(token)) return undefined;
    const hash = hashApiKey(token);
    const cached = this.cache.get(hash);
    if (cached) return cached.lookup ?? undefined;
    let key: AnyApiKeyRecord | undefined;
    try {
      key = await findActiveApiKeyByHash(this.sql, hash);
    } catch (error) {
      this.logger.error(`API key lookup failed: ${(error as Error).message}`);
      throw new ProblemException({ code: 'service_unavailable', detail: 'API keys cannot be checked right now' }, { 'Retry-After': '1' });
    }
    this.cache.set(hash, { lookup: key ?? null });
    return key;
  }

  /**
   * Forgets every cached lookup of the key `keyId` (call it after revoking the key in this
   * process, so the revoke takes effect here at once rather than within `apiKeyCacheTtlMs`).
   */
  forgetKey(keyId: string): void {
    for (const [hash, { lookup }] of this.cache.entries()) {
      if (lookup?.id === keyId) this.cache.delete(hash);
    }
  }
}
