import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Limits, normalizeDomain } from '@credit-hub/contracts';
import type { DataSource } from 'typeorm';

/**
 * API keys of domains: format, hashing and storage. No NestJS here: the gateway's guard and the
 * `npm run apikey` operator tool (cli/apikey-cli.ts) both use this file.
 *
 * A key is `chk_dom_` + 32 random bytes in base64url. Only its SHA-256 (hex) and its first 12
 * characters are stored; the key itself is shown once, at creation.
 */

/** Every domain key starts with this; anything else is not one of our keys. */
export const domainKeyPrefix = 'chk_dom_';
/** Shortest key accepted from an operator (`--key`); generated keys are 51 characters. */
export const apiKeyLengthMin = 24;
/** Longest bearer token even looked at; longer ones are refused without hashing. */
export const apiKeyLengthMax = 256;
/** Characters of a key kept in clear for listings (`chk_dom_` + 4). */
export const keyPrefixLength = 12;
/** Longest label. */
export const labelLengthMax = 200;

const domainPattern = /^[a-z0-9.-]+$/;
const keyCharactersPattern = /^[A-Za-z0-9_-]+$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stored API key, as listed (never the key itself). */
export interface ApiKeyRecord {
  id: string;
  kind: 'domain';
  domain: string;
  keyPrefix: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** An expected failure of an API key operation, with a code the CLI turns into an exit status. */
export class ApiKeyError extends Error {
  override name = 'ApiKeyError';
  constructor(
    readonly code: 'invalid_domain' | 'invalid_key' | 'invalid_label' | 'key_exists_for_other_domain' | 'key_revoked' | 'not_found' | 'ambiguous',
    message: string,
  ) {
    super(message);
  }
}

/** Runs one SQL statement and returns its rows (also for UPDATE … RETURNING). */
export interface SqlRunner {
  query<R>(sql: string, parameters?: unknown[]): Promise<R[]>;
}

/**
 * A SqlRunner over a TypeORM DataSource. Structured results, because TypeORM's plain `query`
 * returns `[rows, count]` for UPDATE and `rows` for everything else.
 */
export function typeOrmSqlRunner(dataSource: DataSource): SqlRunner {
  return {
    async query<R>(sql: string, parameters: unknown[] = []): Promise<R[]> {
      const runner = dataSource.createQueryRunner();
      try {
        const result = await runner.query(sql, parameters, true);
        return result.records as R[];
      } finally {
        await runner.release();
      }
    },
  };
}

/** A new random domain key. */
export function generateApiKey(): string {
  return domainKeyPrefix + randomBytes(32).toString('base64url');
}

/** SHA-256 of the whole key, lower-case hex: what is stored and looked up. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Compares two SHA-256 hex digests in constant time. */
export function hashesEqual(left: string, right: string): boolean {
  const a = Buffer.from(left, 'hex');
  const b = Buffer.from(right, 'hex');
  return a.length === 32 && b.length === 32 && timingSafeEqual(a, b);
}

/** Whether a bearer token could be one of our keys at all (cheap check before hashing and a lookup). */
export function looksLikeApiKey(token: string): boolean {
  return (
    token.length >= apiKeyLengthMin &&
    token.length <= apiKeyLengthMax &&
    token.startsWith(domainKeyPrefix) &&
    keyCharactersPattern.test(token)
  );
}

/** Why an operator-supplied key value is refused, or undefined when it is acceptable. */
export function suppliedKeyProblem(key: string): string | undefined {
  if (!key.startsWith(domainKeyPrefix)) return `an API key must start with ${domainKeyPrefix}`;
  if (key.length < apiKeyLengthMin) return `an API key must be at least ${apiKeyLengthMin} characters long`;
  if (key.length > apiKeyLengthMax) return `an API key must be at most ${apiKeyLengthMax} characters long`;
  if (!keyCharactersPattern.test(key)) return 'an API key may contain only letters, digits, _ and -';
  return undefined;
}

/** The domain a key acts for, normalised; throws ApiKeyError when it is not a host name. */
export function checkedDomain(domain: string): string {
  const normalized = normalizeDomain(domain);
  if (normalized.length < 1 || normalized.length > Limits.domainLengthMax || !domainPattern.test(normalized)) {
    throw new ApiKeyError('invalid_domain', `domain must be a host name such as yourproduct.com, got ${JSON.stringify(domain)}`);
  }
  return normalized;
}

interface ApiKeyRow {
  id: string;
  kind: 'domain';
  domain: string;
  key_prefix: string;
  key_hash: string;
  label: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const columns = 'id, kind, domain, key_prefix, key_hash, label, created_at, revoked_at';

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    kind: row.kind,
    domain: row.domain,
    keyPrefix: row.key_prefix,
    label: row.label,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** Result of creating a key: the key in clear (only now), and whether it was new. */
export interface CreatedApiKey {
  record: ApiKeyRecord;
  key: string;
  created: boolean;
}

/**
 * Creates a domain key: a random one, or the given `key` (operators, `DEMO_API_KEY`). Creating a
 * key that already exists for the same domain is idempotent (returns it, `created: false`); the
 * same key for another domain, or a key that was revoked, is refused: a revoke is final.
 */
export async function createApiKey(
  sql: SqlRunner,
  request: { domain: string; key?: string; label?: string },
): Promise<CreatedApiKey> {
  const domain = checkedDomain(request.domain);
  if (request.label !== undefined && request.label.length > labelLengthMax) {
    throw new ApiKeyError('invalid_label', `label must be at most ${labelLengthMax} characters`);
  }
  const key = request.key ?? generateApiKey();
  const problem = suppliedKeyProblem(key);
  if (problem) throw new ApiKeyError('invalid_key', problem);
  const hash = hashApiKey(key);
  const inserted = await sql.query<ApiKeyRow>(
    `INSERT INTO api_keys (kind, domain, key_prefix, key_hash, label) VALUES ('domain', $1, $2, $3, $4)
     ON CONFLICT (key_hash) DO NOTHING RETURNING ${columns}`,
    [domain, key.slice(0, keyPrefixLength), hash, request.label ?? null],
  );
  if (inserted[0]) return { record: toRecord(inserted[0]), key, created: true };
  const [existing] = await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_hash = $1`, [hash]);
  if (!existing) throw new Error('api key conflict reported but no row found'); // a bug, not a refusal
  if (existing.domain !== domain) {
    throw new ApiKeyError('key_exists_for_other_domain', `this key already exists for domain ${existing.domain}`);
  }
  if (existing.revoked_at) throw new ApiKeyError('key_revoked', `this key was revoked at ${existing.revoked_at.toISOString()}`);
  return { record: toRecord(existing), key, created: false };
}

/** Keys, oldest first, optionally of one domain; revoked keys included (marked by `revokedAt`). */
export async function listApiKeys(sql: SqlRunner, filter: { domain?: string } = {}): Promise<ApiKeyRecord[]> {
  const rows =
    filter.domain === undefined
      ? await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys ORDER BY created_at, id`)
      : await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE domain = $1 ORDER BY created_at, id`, [
          checkedDomain(filter.domain),
        ]);
  return rows.map(toRecord);
}

/**
 * Revokes one key named by its id, its 12-character prefix, or the whole key. A prefix shared by
 * several live keys is refused as ambiguous. Revoking a revoked key returns it unchanged.
 */
export async function revokeApiKey(sql: SqlRunner, reference: string): Promise<ApiKeyRecord> {
  const candidates = await findByReference(sql, reference.trim());
  const live = candidates.filter((row) => row.revoked_at === null);
  if (candidates.length === 0) throw new ApiKeyError('not_found', `no API key with id or prefix ${JSON.stringify(reference)}`);
  if (live.length > 1) {
    throw new ApiKeyError('ambiguous', `${live.length} live keys share prefix ${reference}; revoke by id (npm run apikey -- list)`);
  }
  const target = live[0] ?? candidates[0];
  if (target.revoked_at) return toRecord(target);
  const [updated] = await sql.query<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING ${columns}`,
    [target.id],
  );
  if (updated) return toRecord(updated);
  // Revoked meanwhile by someone else: answer with the stored row.
  const [current] = await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE id = $1`, [target.id]);
  return toRecord(current ?? target);
}

async function findByReference(sql: SqlRunner, reference: string): Promise<ApiKeyRow[]> {
  if (uuidPattern.test(reference)) {
    return sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE id = $1`, [reference.toLowerCase()]);
  }
  if (reference.length === keyPrefixLength) {
    return sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_prefix = $1 ORDER BY created_at`, [reference]);
  }
  if (looksLikeApiKey(reference)) {
    return sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_hash = $1`, [hashApiKey(reference)]);
  }
  return [];
}

/** The live (not revoked) key with this hash, compared in constant time; undefined when none. */
export async function findActiveApiKeyByHash(sql: SqlRunner, hash: string): Promise<ApiKeyRecord | undefined> {
  const [row] = await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hash]);
  if (!row || !hashesEqual(row.key_hash, hash)) return undefined;
  return toRecord(row);
}
