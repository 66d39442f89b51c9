import { Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@credit-hub/service-kit';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AnyApiKeyRecord, findActiveApiKeyByHash, SqlRunner, typeOrmSqlRunner } from '../api-keys/api-keys';

/** How long a dashboard session lasts after sign-in, seconds (8 hours, a working day). */
export const dashboardSessionTtlSeconds = 8 * 3600;
/** Expired or orphaned session rows deleted per sign-in: the clean-up is bounded and spread over sign-ins. */
export const dashboardSessionPurgeBatchMax = 100;

/** A session id: 32 random bytes, base64url (43 characters). Only its hash is stored. */
const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

/** SHA-256 (hex) of a session id: what the database holds. */
export function hashSessionId(sessionId: string): string {
  return createHash('sha256').update(sessionId, 'utf8').digest('hex');
}

/** Whether a cookie value could be a session id at all (checked before hashing and a lookup). */
export function looksLikeSessionId(value: string): boolean {
  return sessionIdPattern.test(value);
}

/**
 * Server-side dashboard sessions in the gateway's database (`dashboard_sessions`). Signing in with
 * an API key creates one: a random id (the cookie's only content) whose SHA-256 is stored with the
 * key's id and an expiry. A session opens the dashboard while it has not expired, has not been
 * ended by sign-out, and its API key is live: revoking the key ends its sessions at once (every
 * lookup joins the live key; no cache).
 */
@Injectable()
export class DashboardSessions {
  private readonly logger = new Logger('DashboardSessions');
  private readonly sql: SqlRunner;

  constructor(dataSource: DataSource) {
    const sql = typeOrmSqlRunner(dataSource);
    // A database failure is a 503 (retry), never a signed-out page or a 500; the error names no session.
    this.sql = {
      query: async <R>(text: string, parameters?: unknown[]): Promise<R[]> => {
        try {
          return await sql.query<R>(text, parameters);
        } catch (error) {
          this.logger.error(`session store failed: ${(error as Error).message}`);
          throw new ProblemException({ code: 'service_unavailable', detail: 'Sessions cannot be checked right now' }, { 'Retry-After': '1' });
        }
      },
    };
  }

  /** Starts a session for the key; returns the session id (for the cookie only) and its expiry. */
  async start(apiKeyId: string): Promise<{ sessionId: string; expiresAt: Date }> {
    await this.purge();
    const sessionId = randomBytes(32).toString('base64url');
    const [row] = await this.sql.query<{ expires_at: Date }>(
      `INSERT INTO dashboard_sessions (session_hash, api_key_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3)) RETURNING expires_at`,
      [hashSessionId(sessionId), apiKeyId, dashboardSessionTtlSeconds],
    );
    return { sessionId, expiresAt: row?.expires_at ?? new Date(Date.now() + dashboardSessionTtlSeconds * 1000) };
  }

  /** The live key of a live session, or undefined (unknown, expired, signed out, key revoked). */
  async find(sessionId: string | undefined): Promise<AnyApiKeyRecord | undefined> {
    if (sessionId === undefined || !looksLikeSessionId(sessionId)) return undefined;
    const [row] = await this.sql.query<{ key_hash: string }>(
      `SELECT k.key_hash FROM dashboard_sessions s JOIN api_keys k ON k.id = s.api_key_id
        WHERE s.session_hash = $1 AND s.expires_at > now() AND k.revoked_at IS NULL`,
      [hashSessionId(sessionId)],
    );
    return row ? findActiveApiKeyByHash(this.sql, row.key_hash) : undefined;
  }

  /** Ends a session (sign-out); ending an unknown or ended one does nothing. */
  async end(sessionId: string | undefined): Promise<void> {
    if (sessionId === undefined || !looksLikeSessionId(sessionId)) return;
    await this.sql.query(`DELETE FROM dashboard_sessions WHERE session_hash = $1`, [hashSessionId(sessionId)]);
  }

  /** Deletes up to `dashboardSessionPurgeBatchMax` expired sessions and sessions of revoked keys. */
  private async purge(): Promise<void> {
    await this.sql.query(
      `DELETE FROM dashboard_sessions WHERE session_hash IN (
         SELECT s.session_hash FROM dashboard_sessions s JOIN api_keys k ON k.id = s.api_key_id
          WHERE s.expires_at <= now() OR k.revoked_at IS NOT NULL LIMIT $1)`,
      [dashboardSessionPurgeBatchMax],
    );
  }
}
