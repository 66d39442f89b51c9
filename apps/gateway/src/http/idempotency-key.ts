import { CallHandler, ExecutionContext, HttpStatus, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { InjectDataSource } from '@nestjs/typeorm';
import { ProblemException, routePatternOf } from '@credit-hub/service-kit';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import type { AuthenticatedRequest } from '../api-keys/api-key.guard';

/** The response of a replayed request: its first answer's status and the replay header (Fastify's reply). */
interface ReplayedResponse {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

/** The request header (IETF draft-ietf-httpapi-idempotency-key-header, section 2). */
export const idempotencyKeyHeader = 'idempotency-key';
/** Set on an answer replayed from the record of an earlier request with the same key. */
export const idempotentReplayedHeader = 'Idempotent-Replayed';

/** POST routes whose body carries a natural idempotency key: the header is not needed there and is ignored. */
const naturalKeyRoutes = new Set([
  '/api/portfolio/credits/consume', // (domain, referenceId)
  '/api/portfolio/credits/consume/batch', // each item's (domain, referenceId)
  '/api/portfolio/credits/reservations', // (domain, referenceId)
  '/api/portfolio/credits/reservations/:reservationId/capture', // the reservation
  '/api/portfolio/credits/reservations/:reservationId/release', // the reservation
  '/api/portfolio/credits/grants', // grantId
]);

/** How long a key is kept, and how long an unanswered one blocks its duplicates before a retry may take it over. */
const retentionHours = 24;
const inFlightTakeoverSeconds = 60;
const keyPattern = /^[\x21-\x7e]{1,255}$/;

/**
 * The `Idempotency-Key` header (IETF draft-ietf-httpapi-idempotency-key-header) on every POST made
 * with a domain API key whose body has no natural key (checkout, billing portal, portal sessions,
 * subscription changes, webhook endpoints, delivery replays, refund reviews…). The key is an
 * sf-string (`Idempotency-Key: "8e03978e-…"`; a bare token is accepted too), 1-255 visible ASCII
 * characters, stored per API key + route for 24 hours with the SHA-256 of the request body:
 *
 * - same key, same body, answered before → the first answer again (status and body), with
 *   `Idempotent-Replayed: true`; nothing is forwarded;
 * - same key, another body → 422 idempotency_key_reused (draft, section 2.7);
 * - same key while the first request is still being processed → 409 idempotency_key_in_flight
 *   (draft, section 2.7), retryable; a record left unanswered for 60 s (a crashed gateway) is taken over;
 * - an error answer (4xx or 5xx) is not stored: the key is released and the same request may be retried.
 * A malformed key is 400 validation_failed (field `Idempotency-Key`). Without the header nothing changes.
 */
@Injectable()
export class IdempotencyKeyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('IdempotencyKey');
  private lastPurge = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const given = request.headers[idempotencyKeyHeader];
    const route = routePatternOf(request);
    if (request.method !== 'POST' || given === undefined || !request.apiKey || route === undefined || naturalKeyRoutes.has(route)) return next.handle();
    const key = parseKey(Array.isArray(given) ? given.join(',') : given);
    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    const response = context.switchToHttp().getResponse<ReplayedResponse>();
    const record = { apiKeyId: request.apiKey.id, route, key, hash: bodyHash(request.body) };
    return from(this.run(record, status, response, () => lastValueFrom(next.handle(), { defaultValue: undefined })));
  }

  private async run(
    record: { apiKeyId: string; route: string; key: string; hash: string },
    status: number,
    response: ReplayedResponse,
    handle: () => Promise<unknown>,
  ): Promise<unknown> {
    await this.purgeExpired();
    const ids = [record.apiKeyId, record.route, record.key];
    const claimed = await this.dataSource.query(
      `INSERT INTO idempotency_keys (api_key_id, route, idempotency_key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
      [...ids, record.hash],
    );
    if (claimed.length === 0) {
      const [earlier] = await this.dataSource.query(
        `SELECT request_hash, response_status, response_body, completed_at, created_at < now() - make_interval(secs => $4) AS stale
         FROM idempotency_keys WHERE api_key_id = $1 AND route = $2 AND idempotency_key = $3`,
        [...ids, inFlightTakeoverSeconds],
      );
      if (earlier && earlier.request_hash !== record.hash) {
        throw new ProblemException({ code: 'idempotency_key_reused', detail: 'This Idempotency-Key was already used on this route with a different request body; use a new key', field: 'Idempotency-Key' });
      }
      if (earlier?.completed_at) {
        response.status(earlier.response_status);
        response.header(idempotentReplayedHeader, 'true');
        return earlier.response_body;
      }
      const takenOver = earlier?.stale
        ? await this.dataSource.query(
          `UPDATE idempotency_keys SET created_at = now() WHERE api_key_id = $1 AND route = $2 AND idempotency_key = $3 AND completed_at IS NULL
             AND created_at < now() - make_interval(secs => $4) RETURNING 1`,
          [...ids, inFlightTakeoverSeconds],
        )
        : [];
      // Gone meanwhile (the first request failed and released it): claim it again.
      const reclaimed = earlier === undefined
        ? await this.dataSource.query(`INSERT INTO idempotency_keys (api_key_id, route, idempotency_key, request_hash) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`, [...ids, record.hash])
        : [];
      if ((takenOver as unknown[]).length === 0 && (reclaimed as unknown[]).length === 0) {
        throw new ProblemException(
          { code: 'idempotency_key_in_flight', detail: 'A request with this Idempotency-Key is still being processed; retry shortly', field: 'Idempotency-Key' },
          { 'Retry-After': '1' },
        );
      }
    }
    let body: unknown;
    try {
      body = await handle();
    } catch (error) {
      await this.dataSource.query(`DELETE FROM idempotency_keys WHERE api_key_id = $1 AND route = $2 AND idempotency_key = $3 AND completed_at IS NULL`, ids)
        .catch((e: Error) => this.logger.warn(`could not release an idempotency key: ${e.message}`));
      throw error;
    }
    await this.dataSource.query(
      `UPDATE idempotency_keys SET response_status = $4, response_body = $5::jsonb, completed_at = now() WHERE api_key_id = $1 AND route = $2 AND idempotency_key = $3`,
      [...ids, status, JSON.stringify(body ?? null)],
    );
    return body;
  }

  /** Deletes the records older than the retention, at most once a minute. */
  private async purgeExpired(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.dataSource.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [retentionHours])
      .catch((e: Error) => this.logger.warn(`could not purge idempotency keys: ${e.message}`));
  }
}

/** The key of the header: an sf-string (RFC 8941, section 3.3.3) or a bare token; 400 when malformed. */
function parseKey(value: string): string {
  const trimmed = value.trim();
  const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(trimmed);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : trimmed;
  if (!keyPattern.test(key)) {
    throw new ProblemException({ code: 'validation_failed', detail: 'Idempotency-Key must be a quoted string of 1-255 visible ASCII characters', field: 'Idempotency-Key' });
  }
  return key;
}

/** SHA-256 of the body as parsed, keys sorted (the same JSON sent with another key order or spacing is the same request). */
function bodyHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body ?? null)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
