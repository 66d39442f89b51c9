import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Limits, normalizeDomain } from '@credit-hub/contracts';
import type { DataSource } from 'typeorm';

/**
 * API keys: format, hashing and storage. No NestJS here: the gateway's guards and the
 * `npm run apikey` operator tool (cli/apikey-cli.ts) both use this file.
 *
 * Two kinds:
 * - a domain key (`chk_dom_…`) acts for one domain: every domain-scoped API and the analytics of
 *   that domain;
 * - a builder key (`chk_bld_…`) reads the analytics of the several domains a builder owns
 *   (`builder_domains`) and nothing else: it never consumes, refunds or buys.
 *
 * A key is its prefix + 32 random bytes in base64url. Only its SHA-256 (hex) and its first 12
 * characters are stored; the key itself is shown once, at creation.
 */

/** Every domain key starts with this. */
export const domainKeyPrefix = 'chk_dom_';
/** Every builder key starts with this; a token with neither prefix is not one of our keys. */
export const builderKeyPrefix = 'chk_bld_';
/** Most domains one builder key reads. */
export const builderDomainsMax = 100;
/** Longest builder name. */
export const builderNameLengthMax = 100;
/** Shortest key accepted from an operator (`--key`); generated keys are 51 characters. */
export const apiKeyLengthMin = 24;
/** Longest bearer token even looked at; longer ones are refused without hashing. */
export const apiKeyLengthMax = 256;
/** Characters of a key kept in clear for listings (`chk_dom_`/`chk_bld_` + 4). */
export const keyPrefixLength = 12;
/** Longest label. */
export const labelLengthMax = 200;

const domainPattern = /^[a-z0-9.-]+$/;
const keyCharactersPattern = /^[A-Za-z0-9_-]+$/;
const builderNamePattern = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A stored domain key, as listed (never the key itself): acts for `domain` only. */
export interface ApiKeyRecord {
  id: string;
  kind: 'domain';
  domain: string;
  keyPrefix: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A stored builder key, as listed: reads the analytics of `domains` (normalised, sorted, 1-100). */
export interface BuilderKeyRecord {
  id: string;
  kind: 'builder';
  builder: string;
  domains: string[];
  keyPrefix: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Either kind of key. */
export type AnyApiKeyRecord = ApiKeyRecord | BuilderKeyRecord;

/** The domains a key may read analytics of: its own domain, or a builder's domains. */
export function readableDomains(key: AnyApiKeyRecord): string[] {
  return key.kind === 'domain' ? [key.domain] : [...key.domains];
}

/** An expected failure of an API key operation, with a code the CLI turns into an exit status. */
export class ApiKeyError extends Error {
  override name = 'ApiKeyError';
  constructor(
    readonly code:
      | 'invalid_domain'
      | 'invalid_builder'
      | 'invalid_key'
      | 'invalid_label'
      | 'key_exists_for_other_domain'
      | 'key_exists_for_other_builder'
      | 'key_revoked'
      | 'not_found'
      | 'ambiguous',
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

/** A new random key of the kind: `chk_dom_…` (default) or `chk_bld_…`, 51 characters. */
export function generateApiKey(kind: 'domain' | 'builder' = 'domain'): string {
  return (kind === 'domain' ? domainKeyPrefix : builderKeyPrefix) + randomBytes(32).toString('base64url');
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
    (token.startsWith(domainKeyPrefix) || token.startsWith(builderKeyPrefix)) &&
    keyCharactersPattern.test(token)
  );
}

/** Why an operator-supplied key value (of `kind`, default domain) is refused, or undefined when it is acceptable. */
export function suppliedKeyProblem(key: string, kind: 'domain' | 'builder' = 'domain'): string | undefined {
  const prefix = kind === 'domain' ? domainKeyPrefix : builderKeyPrefix;
  if (!key.startsWith(prefix)) return `${kind === 'domain' ? 'an API' : 'a builder'} key must start with ${prefix}`;
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

/**
 * The domains of a builder key: each checked (checkedDomain), de-duplicated and sorted; 1-100 of
 * them. Throws ApiKeyError('invalid_domain').
 */
export function checkedDomains(domains: readonly string[]): string[] {
  const checked = [...new Set(domains.map((domain) => checkedDomain(domain)))].sort();
  if (checked.length < 1 || checked.length > builderDomainsMax) {
    throw new ApiKeyError('invalid_domain', `a builder key reads 1 to ${builderDomainsMax} domains, got ${checked.length}`);
  }
  return checked;
}

/** A builder's name (1-100 characters: letters, digits, space . _ -, starting with a letter or digit); throws ApiKeyError('invalid_builder'). */
export function checkedBuilderName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > builderNameLengthMax || !builderNamePattern.test(trimmed)) {
    throw new ApiKeyError('invalid_builder', `builder must be 1-${builderNameLengthMax} letters, digits, spaces, . _ or -, got ${JSON.stringify(name)}`);
  }
  return trimmed;
}

interface ApiKeyRow {
  id: string;
  kind: 'domain' | 'builder';
  domain: string | null;
  builder: string | null;
  builder_domains: string[] | null;
  key_prefix: string;
  key_hash: string;
  label: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

const columns = 'id, kind, domain, builder, builder_domains, key_prefix, key_hash, label, created_at, revoked_at';

function toRecord(row: ApiKeyRow): AnyApiKeyRecord {
  const common = { id: row.id, keyPrefix: row.key_prefix, label: row.label, createdAt: row.created_at, revokedAt: row.revoked_at };
  if (row.kind === 'builder') return { ...common, kind: 'builder', builder: row.builder ?? '', domains: [...(row.builder_domains ?? [])].sort() };
  return { ...common, kind: 'domain', domain: row.domain ?? '' };
}

function toDomainRecord(row: ApiKeyRow): ApiKeyRecord {
  const record = toRecord(row);
  if (record.kind !== 'domain') throw new Error(`key ${row.id} is not a domain key`); // a bug: the caller selected domain keys
  return record;
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
  if (inserted[0]) return { record: toDomainRecord(inserted[0]), key, created: true };
  const [existing] = await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_hash = $1`, [hash]);
  if (!existing) throw new Error('api key conflict reported but no row found'); // a bug, not a refusal
  if (existing.kind !== 'domain' || existing.domain !== domain) {
    throw new ApiKeyError('key_exists_for_other_domain', `this key already exists for ${existing.kind === 'domain' ? `domain ${existing.domain}` : `builder ${existing.builder}`}`);
  }
  if (existing.revoked_at) throw new ApiKeyError('key_revoked', `this key was revoked at ${existing.revoked_at.toISOString()}`);
  return { record: toDomainRecord(existing), key, created: false };
}

/** Result of creating a builder key: the key in clear (only now), and whether it was new. */
export interface CreatedBuilderKey {
  record: BuilderKeyRecord;
  key: string;
  created: boolean;
}

/**
 * Creates a builder key (`chk_bld_…`) that reads the analytics of `domains` (1-100 host names,
 * normalised; duplicates dropped): a random key, or the given `key`. Creating the same key again
 * for the same builder and the same domains is idempotent (`created: false`); for another builder
 * or other domains it is refused (`key_exists_for_other_builder`), as is a revoked key.
 * Throws ApiKeyError: invalid_builder, invalid_domain, invalid_label, invalid_key, key_exists_for_other_builder, key_revoked.
 */
export async function createBuilderKey(
  sql: SqlRunner,
  request: { builder: string; domains: readonly string[]; key?: string; label?: string },
): Promise<CreatedBuilderKey> {
  const builder = checkedBuilderName(request.builder);
  const domains = checkedDomains(request.domains);
  if (request.label !== undefined && request.label.length > labelLengthMax) {
    throw new ApiKeyError('invalid_label', `label must be at most ${labelLengthMax} characters`);
  }
  const key = request.key ?? generateApiKey('builder');
  const problem = suppliedKeyProblem(key, 'builder');
  if (problem) throw new ApiKeyError('invalid_key', problem);
  const hash = hashApiKey(key);
  const inserted = await sql.query<ApiKeyRow>(
    `INSERT INTO api_keys (kind, domain, builder, builder_domains, key_prefix, key_hash, label) VALUES ('builder', NULL, $1, $2::text[], $3, $4, $5)
     ON CONFLICT (key_hash) DO NOTHING RETURNING ${columns}`,
    [builder, domains, key.slice(0, keyPrefixLength), hash, request.label ?? null],
  );
  const row = inserted[0] ?? (await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_hash = $1`, [hash]))[0];
  if (!row) throw new Error('api key conflict reported but no row found'); // a bug, not a refusal
  const record = toRecord(row);
  if (record.kind !== 'builder' || record.builder !== builder || record.domains.join(',') !== domains.join(',')) {
    throw new ApiKeyError('key_exists_for_other_builder', 'this key already exists with another owner or other domains');
  }
  if (!inserted[0] && record.revokedAt) throw new ApiKeyError('key_revoked', `this key was revoked at ${record.revokedAt.toISOString()}`);
  return { record, key, created: inserted[0] !== undefined };
}

/**
 * Keys of both kinds, oldest first; revoked keys included (marked by `revokedAt`). `domain`: the
 * keys that can read that domain (its domain keys and the builder keys listing it); `builder`:
 * that builder's keys.
 */
export async function listApiKeys(sql: SqlRunner, filter: { domain?: string; builder?: string } = {}): Promise<AnyApiKeyRecord[]> {
  const domain = filter.domain === undefined ? null : checkedDomain(filter.domain);
  const builder = filter.builder === undefined ? null : checkedBuilderName(filter.builder);
  const rows = await sql.query<ApiKeyRow>(
    `SELECT ${columns} FROM api_keys
      WHERE ($1::text IS NULL OR domain = $1 OR $1 = ANY(builder_domains)) AND ($2::text IS NULL OR builder = $2)
      ORDER BY created_at, id`,
    [domain, builder],
  );
  return rows.map(toRecord);
}

/**
 * Revokes one key named by its id, its 12-character prefix, or the whole key. A prefix shared by
 * several live keys is refused as ambiguous. Revoking a revoked key returns it unchanged.
 */
export async function revokeApiKey(sql: SqlRunner, reference: string): Promise<AnyApiKeyRecord> {
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

/** The live (not revoked) key of either kind with this hash, compared in constant time; undefined when none. */
export async function findActiveApiKeyByHash(sql: SqlRunner, hash: string): Promise<AnyApiKeyRecord | undefined> {
  const [row] = await sql.query<ApiKeyRow>(`SELECT ${columns} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hash]);
  if (!row || !hashesEqual(row.key_hash, hash)) return undefined;
  return toRecord(row);
}
