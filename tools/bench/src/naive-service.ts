import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool, PoolClient } from 'pg';
import { NaiveServiceConfig } from './load-types';

/**
 * Floor (e), the naive service: what a developer could write in an afternoon instead of the hub.
 * One Node process with `node:http`, `JSON.parse` and a pg pool serves the gateway's consume
 * route (`POST /api/portfolio/credits/consume`, same body and answers: 200 with the balance, 402
 * `insufficient_credits`, 400 for a bad body) with the same consume transaction as the ledger:
 * idempotent on (domain, referenceId), no overdraft, an event row and an outbox row, one commit.
 * No auth check beyond the header's presence, no logging, no metrics, no batching: its rate is
 * the one-transaction-per-consume rate a plain service reaches through the same load generator.
 */

/** Tables of the naive service's scratch database (accounts funded by `fundNaiveAccounts`). */
export const naiveSchemaSql = [
  `CREATE TABLE accounts (account_id text PRIMARY KEY, version integer NOT NULL, balance bigint NOT NULL CHECK (balance >= 0))`,
  `CREATE TABLE events (
     position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE, account_id text NOT NULL, version integer NOT NULL,
     domain text NOT NULL, reference_id text NOT NULL, type text NOT NULL, data jsonb NOT NULL, occurred_at timestamptz NOT NULL,
     UNIQUE (account_id, version), UNIQUE (domain, reference_id))`,
  `CREATE TABLE outbox (
     id bigserial PRIMARY KEY, message_id text NOT NULL, subject text NOT NULL, payload jsonb NOT NULL,
     created_at timestamptz NOT NULL DEFAULT clock_timestamp(), published_at timestamptz)`,
  `CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`,
];

interface ConsumeRequest {
  email: string;
  domain: string;
  deltaCredits: number;
  actionType: string;
  referenceId: string;
}

function parse(text: string): ConsumeRequest | undefined {
  let body: Partial<ConsumeRequest>;
  try {
    body = JSON.parse(text) as Partial<ConsumeRequest>;
  } catch {
    return undefined;
  }
  const ok =
    typeof body.email === 'string' &&
    typeof body.domain === 'string' &&
    typeof body.actionType === 'string' &&
    typeof body.referenceId === 'string' &&
    Number.isSafeInteger(body.deltaCredits) &&
    (body.deltaCredits as number) < 0;
  return ok ? (body as ConsumeRequest) : undefined;
}

/** The consume transaction: 200 `{ balance }` (also for a repeated referenceId), or 402. */
async function consume(client: PoolClient, request: ConsumeRequest): Promise<[number, object]> {
  const account = `account-${request.email}`;
  const credits = -request.deltaCredits;
  await client.query('BEGIN');
  try {
    const row = await client.query<{ version: number; balance: string }>('SELECT version, balance FROM accounts WHERE account_id = $1 FOR UPDATE', [account]);
    const current = row.rows[0];
    const repeated = await client.query('SELECT 1 FROM events WHERE domain = $1 AND reference_id = $2', [request.domain, request.referenceId]);
    if (repeated.rows.length > 0 || !current || Number(current.balance) < credits) {
      await client.query('ROLLBACK');
      if (repeated.rows.length > 0) return [200, { balance: Number(current?.balance ?? 0), repeated: true }];
      return [402, { type: 'about:blank', title: 'insufficient_credits', status: 402 }];
    }
    const version = current.version + 1;
    const eventId = randomUUID();
    const data = JSON.stringify({ ...request, credits });
    await client.query(
      `INSERT INTO events (event_id, account_id, version, domain, reference_id, type, data, occurred_at) VALUES ($1, $2, $3, $4, $5, 'CreditsConsumed', $6::jsonb, now())`,
      [eventId, account, version, request.domain, request.referenceId, data],
    );
    await client.query('UPDATE accounts SET version = $2, balance = balance - $3 WHERE account_id = $1', [account, version, credits]);
    await client.query(`INSERT INTO outbox (message_id, subject, payload) VALUES ($1, 'ledger.events.credits-consumed.v1', $2::jsonb)`, [eventId, data]);
    await client.query('COMMIT');
    return [200, { balance: Number(current.balance) - credits }];
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Runs the naive service until SIGTERM; prints `{ port }` when listening, then its CPU time at exit. */
export async function runNaiveService(config: NaiveServiceConfig): Promise<void> {
  const pool = new Pool({ connectionString: config.databaseUrl, max: config.poolSize, application_name: 'bench-naive' });
  const server = http.createServer((req, res) => {
    const send = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/api/portfolio/credits/consume' || !req.headers.authorization) {
      req.resume();
      return send(404, { title: 'not found', status: 404 });
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = parse(Buffer.concat(chunks).toString('utf8'));
      if (!request) return send(400, { title: 'validation_failed', status: 400 });
      void pool.connect().then(async (client) => {
        try {
          const [status, body] = await consume(client, request);
          send(status, body);
        } catch (error) {
          send(500, { title: (error as Error).message, status: 500 });
        } finally {
          client.release();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await pool.end();
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
}
