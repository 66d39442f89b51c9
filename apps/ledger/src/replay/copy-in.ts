import { Client, PoolClient, Submittable } from 'pg';
import { Socket } from 'node:net';

/**
 * `COPY … FROM STDIN` (text format) on a pg client through pg's documented `Submittable` hook
 * (the hook pg-copy-streams uses): no extra dependency. Replay writes its rebuilt rows with it.
 */

/** The parts of pg's internal Connection a copy uses. */
interface PgConnection {
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: Socket;
}

class CopyInQuery implements Submittable {
  connection?: PgConnection;
  readonly done: Promise<number>;
  private resolveDone!: (rows: number) => void;
  private rejectDone!: (error: Error) => void;

  constructor(private readonly text: string, private readonly onCopyIn: (connection: PgConnection) => void) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // observed by the caller
  }

  submit(connection: unknown): void {
    this.connection = connection as PgConnection;
    (connection as { query(text: string): void }).query(this.text);
  }

  handleCopyInResponse(): void {
    this.onCopyIn(this.connection!);
  }

  handleCommandComplete(message: { text: string }): void {
    const match = /COPY (\d+)/.exec(message.text);
    this.rowCount = match ? Number(match[1]) : 0;
  }

  rowCount = 0;

  handleReadyForQuery(): void {
    this.resolveDone(this.rowCount);
  }

  handleError(error: Error): void {
    this.rejectDone(error);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
}

/**
 * Runs `sql` (a `COPY table (columns) FROM STDIN`) and sends `lines` (each a whole COPY text line,
 * newline included) in one chunk per 256 KiB, with the socket's back-pressure.
 * Resolves the number of rows copied; rejects with the server's error (e.g. a CHECK violated).
 */
export async function copyIn(client: Client | PoolClient, sql: string, lines: string[]): Promise<number> {
  let ready!: (connection: PgConnection) => void;
  const started = new Promise<PgConnection>((resolve) => (ready = resolve));
  const query = new CopyInQuery(sql, (connection) => ready(connection));
  void (client as Client).query(query as unknown as Submittable);
  const connection = await Promise.race([started, query.done.then(() => undefined)]);
  if (!connection) throw new Error(`COPY did not start: ${sql}`);
  try {
    let chunk: string[] = [];
    let size = 0;
    const send = async () => {
      connection.sendCopyFromChunk(Buffer.from(chunk.join(''), 'utf8'));
      chunk = [];
      size = 0;
      if (connection.stream.writableNeedDrain) await new Promise((resolve) => connection.stream.once('drain', resolve));
    };
    for (const line of lines) {
      chunk.push(line);
      size += line.length;
      if (size >= 262_144) await send();
    }
    if (size > 0) await send();
    connection.endCopyFrom();
  } catch (error) {
    connection.sendCopyFail(`producer failed: ${(error as Error).message}`);
    await query.done.catch(() => undefined);
    throw error;
  }
  return query.done;
}

/** A scalar in COPY text format: backslash, tab, newline and carriage return escaped; null/undefined as \N. */
export function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  const text = String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : text;
}

/** A text[] value (given as a JSON array text, as the upsert path takes it) in COPY text format. */
export function copyTextArray(json: string): string {
  const items = JSON.parse(json) as string[];
  return copyText(`{${items.map((item) => `"${item.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`);
}
