import { Logger } from '@nestjs/common';
import { createInbox, headers as natsHeaders, NatsConnection, Subscription } from 'nats';
import { Client, Pool, PoolClient } from 'pg';
import { withCorrelationHeader } from './correlation';
import { withTraceHeaders } from './tracing';
import { checkoutClient } from './pg-client';

/**
 * The transactional outbox (ARCHITECTURE.md): a row is written in the same transaction as the
 * state change, and a relay publishes it to JetStream after commit.
 *
 * `outboxTableSql(channel)` is the DDL each service puts in one of its migrations. The statement
 * trigger NOTIFYs `channel` once per inserting statement, so the relay wakes without polling.
 */
export function outboxTableSql(channel: string): string[] {
  return [
    `CREATE TABLE outbox (
       id bigserial PRIMARY KEY,
       message_id text NOT NULL,
       subject text NOT NULL,
       payload jsonb NOT NULL,
       headers jsonb NOT NULL DEFAULT '{}'::jsonb,
       created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
       published_at timestamptz
     )`,
    `CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`,
    `CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_notify('${channel}', ''); RETURN NULL; END $$`,
    `CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify()`,
  ];
}

/** One message to publish: JetStream subject, body, and the `Nats-Msg-Id` that dedupes it. */
export interface OutboxMessage {
  messageId: string;
  subject: string;
  payload: unknown;
  headers?: Record<string, string>;
}

/** Anything that can run a parameterised query: a pg client in a transaction, or a TypeORM manager. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Writes outbox rows with one multi-row INSERT. Call inside the transaction of the state change.
 * Within a correlation context (`runWithCorrelation`), each row's headers get
 * `X-Correlation-Id: <current id>` unless the message already names one, so the JetStream
 * message the relay publishes carries it to the consumers. With tracing on, the current span's
 * `traceparent`/`tracestate` are added the same way (a `traceparent` the message names wins), so
 * the consumer's span joins the trace.
 */
export async function writeOutbox(db: Queryable, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const values: string[] = [];
  const parameters: unknown[] = [];
  messages.forEach((m, i) => {
    values.push(`($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}::jsonb, $${i * 4 + 4}::jsonb)`);
    parameters.push(m.messageId, m.subject, JSON.stringify(m.payload), JSON.stringify(withTraceHeaders(withCorrelationHeader(m.headers)) ?? {}));
  });
  await db.query(`INSERT INTO outbox (message_id, subject, payload, headers) VALUES ${values.join(', ')}`, parameters);
}

/** Settings of an outbox relay; every bound is explicit (STYLE.md rule 9). */
export interface OutboxRelayOptions {
  /** Pool of the service's database, for the publish transactions. */
  pool: Pool;
  /** Connection string for the dedicated LISTEN connection. */
  databaseUrl: string;
  nc: NatsConnection;
  /** NOTIFY channel written by the outbox trigger. */
  channel: string;
  /** Advisory lock key: only one relay per database publishes, so per-stream order holds. */
  lockKey: number;
  batchSizeMax?: number;
  /** Safety-net poll when no NOTIFY arrives, ms. */
  pollIntervalMs?: number;
  /** Back-off after a failed publish or query, ms (doubles up to 10 s). */
  retryDelayMs?: number;
  name: string;
  /** Called after each published batch with each row's commit-to-ack lag in ms (metrics). */
  onPublished?: (lagsMs: number[]) => void;
}

/** An outbox row as the relay reads it: the payload as jsonb's JSON text. */
interface OutboxRow {
  id: string;
  message_id: string;
  subject: string;
  payload: string;
  headers: Record<string, string>;
  created_at: Date;
}

/**
 * Publishes outbox rows to JetStream in id order with `Nats-Msg-Id` = message id, and marks them
 * published only after JetStream acknowledged every message of the batch.
 *
 * Rows are selected by `published_at IS NULL`, not by a position cursor, so a row whose
 * transaction committed after a higher id was published is still picked up: no row is skipped
 * when transactions commit out of order. A crash between ack and mark republishes the batch;
 * JetStream's duplicate window drops the copies and consumers' inboxes ignore any that pass.
 * One relay per database holds a session advisory lock; others stand by.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private listener?: Client;
  private running = false;
  private wake?: () => void;
  /** A NOTIFY arrived while no sleep was waiting (e.g. mid-publish): the next sleep returns at once. */
  private notified = false;
  /** This relay holds the advisory lock: it is the one publishing. */
  private relaying = false;
  private loop?: Promise<void>;
  private readonly batchSizeMax: number;
  private readonly pollIntervalMs: number;
  private readonly retryDelayMs: number;
  /** Messages published since start; read by metrics and tests. */
  publishedCount = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.logger = new Logger(`OutboxRelay:${options.name}`);
    this.batchSizeMax = options.batchSizeMax ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  /** Starts relaying in the background. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in flight is published and marked. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.relaying = false;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  private async run(): Promise<void> {
    let delay = this.retryDelayMs;
    while (this.running) {
      try {
        if (!this.listener) await this.listen();
        const published = await this.publishBatch();
        delay = this.retryDelayMs;
        if (published < this.batchSizeMax) await this.sleep(this.pollIntervalMs);
      } catch (error) {
        this.logger.warn(`relay error, retrying in ${delay} ms: ${(error as Error).message}`);
        this.relaying = false;
        await this.listener?.end().catch(() => undefined);
        this.listener = undefined;
        await this.sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  /** Opens the LISTEN connection and waits until this relay holds the advisory lock. */
  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: `${this.options.name}-relay` });
    client.on('error', (error) => this.logger.warn(`listen connection error: ${error.message}`));
    await client.connect();
    this.listener = client;
    client.on('notification', () => this.notify());
    await client.query(`LISTEN "${this.options.channel}"`);
    while (this.running) {
      const result = await client.query('SELECT pg_try_advisory_lock($1) AS locked', [this.options.lockKey]);
      if (result.rows[0].locked) {
        this.relaying = true;
        return;
      }
      await this.sleep(2000); // another instance relays; stand by
    }
  }

  /**
   * Publishes batches while there are rows; returns how many rows the last one published (less
   * than a full batch: the outbox was empty when it ended). One
   * round trip to PostgreSQL per batch after the first: the UPDATE that marks a batch published,
   * its COMMIT, and the BEGIN and SELECT of the next batch go as one simple-query string (whose
   * only inlined values are the integer limit and the integer ids PostgreSQL returned), so rows
   * that committed while a batch was being published are on their way after one round trip, not
   * two. The payload is read as jsonb's text and published as is (no parse and re-serialise per
   * row). A batch is marked only after JetStream acknowledged all of it, and the next batch is
   * published only after that mark committed: batches stay in id order, one at a time.
   */
  private async publishBatch(): Promise<number> {
    const client: PoolClient = await checkoutClient(this.options.pool);
    const select = `SELECT id, message_id, subject, payload::text AS payload, headers, created_at FROM outbox
          WHERE published_at IS NULL ORDER BY id LIMIT ${Math.trunc(this.batchSizeMax)} FOR UPDATE SKIP LOCKED`;
    try {
      const selected = (await client.query(`BEGIN; ${select}`)) as unknown as { rows: OutboxRow[] }[];
      let rows = selected[1].rows;
      let published = 0;
      while (rows.length > 0) {
        await this.publishAll(rows);
        const ids = rows.map((row) => String(row.id));
        if (!ids.every((id) => /^\d+$/.test(id))) throw new Error('outbox ids must be integers');
        const mark = `UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY('{${ids.join(',')}}'::bigint[]); COMMIT`;
        if (!this.running) {
          await client.query(mark);
          this.published(rows);
          return rows.length;
        }
        const results = (await client.query(`${mark}; BEGIN; ${select}`)) as unknown as { rows: OutboxRow[] }[];
        this.published(rows);
        published = rows.length;
        rows = results[3].rows;
      }
      await client.query('COMMIT');
      return published === this.batchSizeMax ? 0 : published; // the loop ended on an empty outbox: nothing more to take now
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Counts a marked batch and reports each row's lag (created_at → now). */
  private published(rows: OutboxRow[]): void {
    this.publishedCount += rows.length;
    if (rows.length > 0 && this.options.onPublished) {
      const now = Date.now();
      this.options.onPublished(rows.map((row) => now - new Date(row.created_at).getTime()));
    }
  }

  /**
   * Publishes every row to JetStream and resolves once JetStream acknowledged each one (stored,
   * or dropped as a duplicate of its `Nats-Msg-Id`): JetStream's async publish done by hand, one
   * reply inbox per batch (`<inbox>.<index>`) instead of one request (with its promise, timer and
   * captured stack) per message. Rejects on the first negative acknowledgement (a JetStream error,
   * or no stream listening: 503) and when any acknowledgement is missing after 5 s: the batch is
   * then not marked published and is sent again (the duplicate window drops the copies).
   */
  private publishAll(rows: OutboxRow[]): Promise<void> {
    const nc = this.options.nc;
    const inbox = createInbox();
    const acked = new Uint8Array(rows.length);
    let waiting = rows.length;
    return new Promise<void>((resolve, reject) => {
      let subscription: Subscription | undefined;
      let settled = false;
      // Settles once; a subscribe or publish that throws (connection closed or draining, payload
      // too large) settles through here too, so no timer or subscription outlives the batch.
      const finish = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        subscription?.unsubscribe();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`JetStream acknowledged ${rows.length - waiting} of ${rows.length} messages within 5000 ms`)), 5000);
      try {
        subscription = nc.subscribe(`${inbox}.*`, {
          callback: (error, msg) => {
            if (error) return finish(error);
            if (msg.headers?.hasError) return finish(new Error(`JetStream publish failed: ${msg.headers.code} ${msg.headers.description || 'no responders (no stream takes the subject)'}`));
            let ack: { stream?: string; error?: { code: number; description: string } };
            try {
              ack = JSON.parse(Buffer.from(msg.data).toString('utf8'));
            } catch {
              return finish(new Error('JetStream acknowledgement is not JSON'));
            }
            if (ack.error) return finish(new Error(`JetStream publish failed: ${ack.error.code} ${ack.error.description}`));
            if (!ack.stream) return finish(new Error('JetStream acknowledgement names no stream'));
            const index = Number(msg.subject.slice(inbox.length + 1));
            if (!(index >= 0 && index < rows.length) || acked[index]) return;
            acked[index] = 1;
            if (--waiting === 0) finish();
          },
        });
        rows.forEach((row, index) => {
          const h = natsHeaders();
          for (const [name, value] of Object.entries(row.headers ?? {})) h.set(name, value);
          h.set('Nats-Msg-Id', row.message_id);
          nc.publish(row.subject, Buffer.from(row.payload), { reply: `${inbox}.${index}`, headers: h });
        });
      } catch (error) {
        finish(error as Error);
      }
    });
  }

  /**
   * Wakes the relay at once, as a NOTIFY would: for the writer of the outbox in the same process,
   * right after the COMMIT of its rows, which spares the NOTIFY's trip through PostgreSQL and
   * the listening connection. Does nothing unless this relay holds the lock (a relay standing by
   * publishes nothing).
   */
  nudge(): void {
    if (this.relaying) this.notify();
  }

  /** Wakes the sleeping loop, or remembers the wake-up for the next sleep (no lost NOTIFY). */
  private notify(): void {
    if (this.wake) this.wake();
    else this.notified = true;
  }

  private sleep(ms: number): Promise<void> {
    if (this.notified || !this.running) {
      this.notified = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
