import { Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@credit-hub/service-kit';
import { DataSource } from 'typeorm';
import { AnyApiKeyRecord, findActiveApiKeyByHash, hashApiKey, looksLikeApiKey, SqlRunner, typeOrmSqlRunner } from './api-keys';

/** How long a lookup (hit or miss) is reused: a revoke takes effect within this time. */
export const apiKeyCacheTtlMs = 1000;
/** Bound on cached lookups, so a flood of random tokens cannot grow memory without limit. */
export const apiKeyCacheEntriesMax = 10_000;

interface CachedLookup {
  key: AnyApiKeyRecord | undefined;
  expiresAtMs: number;
}

/**
 * Turns a bearer token into the live API key it names. Lookups are by SHA-256 of the token and
 * are cached for at most `apiKeyCacheTtlMs`, misses included.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly logger = new Logger('ApiKeys');
  private readonly sql: SqlRunner;
  private readonly cache = new Map<string, CachedLookup>();

  constructor(dataSource: DataSource) {
    this.sql = typeOrmSqlRunner(dataSource);
  }

  /** The live key (domain or builder) for `token`, or undefined. A database failure is a 503, not a 401. */
  async authenticate(token: string | undefined): Promise<AnyApiKeyRecord | undefined> {
    if (token === undefined || !looksLikeApiKey(token)) return undefined;
    const hash = hashApiKey(token);
    const nowMs = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAtMs > nowMs) return cached.key;
    let key: AnyApiKeyRecord | undefined;
    try {
      key = await findActiveApiKeyByHash(this.sql, hash);
    } catch (error) {
      this.logger.error(`API key lookup failed: ${(error as Error).message}`);
      throw new ProblemException({ code: 'service_unavailable', detail: 'API keys cannot be checked right now' }, { 'Retry-After': '1' });
    }
    this.remember(hash, { key, expiresAtMs: nowMs + apiKeyCacheTtlMs });
    return key;
  }

  private remember(hash: string, lookup: CachedLookup): void {
    this.cache.delete(hash);
    if (this.cache.size >= apiKeyCacheEntriesMax) {
      // Map iterates in insertion order: the first entry is the oldest.
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(hash, lookup);
  }
}
