import { Client, Submittable } from 'pg';
import { Socket } from 'node:net';

/**
 * `COPY … TO STDOUT` and `COPY … FROM STDIN` on a plain pg `Client`, through pg's documented
 * `Submittable` hook (the same hook pg-cursor and pg-copy-streams use): pg hands every CopyData
 * message of the active query to `handleCopyData`, and `handleCopyInResponse` tells us when the
 * server is ready to receive. No extra dependency; rows arrive one CopyData message per row.
 */

/** The parts of pg's internal Connection a copy uses. */
interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
  stream: Socket;
}

class CopyQuery implements Submittable {
  rowCount = 0;
  connection?: PgConnection;
  readonly done: Promise<number>;
  private resolveDone!: (rows: number) => void;
  private rejectDone!: (error: Error) => void;
  private failed = false;

  constructor(
    private readonly text: string,
    private readonly onRow?: (row: Buffer) => void,
    private readonly onCopyIn?: (connection: PgConnection) => void,
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined); // observed by the caller; never unhandled
  }

  submit(connection: unknown): void {
    this.connection = connection as PgConnection;
    this.connection.query(this.text);
  }

  handleCopyInResponse(connection: unknown): void {
    this.onCopyIn?.(connection as PgConnection);
  }

  handleCopyData(message: { chunk: Buffer }): void {
    if (this.failed) return;
    try {
      this.onRow?.(message.chunk);
    } catch (error) {
      this.failed = true;
      this.rejectDone(error as Error);
    }
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /COPY (\d+)/.exec(message.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    if (!this.failed) this.resolveDone(this.rowCount);
  }

  handleError(error: Error): void {
    this.failed = true;
    this.rejectDone(error);
  }

  handleEmptyQuery(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handlePortalSuspended(): void {}
}

/** Runs `COPY (…) TO STDOUT` (text format), calling `onRow` with each row's bytes (no trailing newline). */
export async function copyOut(client: Client, sql: string, onRow: (row: Buffer) => void): Promise<number> {
  const query = new CopyQuery(sql, (chunk) => onRow(chunk[chunk.length - 1] === 0x0a ? chunk.subarray(0, chunk.length - 1) : chunk));
  client.query(query);
  return query.done;
}

/**
 * Runs `COPY … FROM STDIN` (text format), writing the chunks `produce` yields (each a whole
 * number of lines), with the socket's back-pressure. Resolves the number of rows copied.
 */
export async function copyIn(client: Client, sql: string, produce: () => AsyncIterable<Buffer> | Iterable<Buffer>): Promise<number> {
  let ready!: (connection: PgConnection) => void;
  const copyInStarted = new Promise<PgConnection>((resolve) => (ready = resolve));
  const query = new CopyQuery(sql, undefined, (connection) => ready(connection));
  client.query(query);
  const connection = await Promise.race([copyInStarted, query.done.then(() => undefined)]);
  if (!connection) throw new Error(`COPY did not start: ${sql}`);
  try {
    for await (const chunk of produce()) {
      connection.sendCopyFromChunk(chunk);
      if (connection.stream.writableNeedDrain) await new Promise((resolve) => connection.stream.once('drain', resolve));
    }
    connection.endCopyFrom();
  } catch (error) {
    connection.sendCopyFail(`producer failed: ${(error as Error).message}`);
    await query.done.catch(() => undefined);
    throw error;
  }
  return query.done;
}

/** A value in COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
export function copyText(value: string | number | null): string {
  if (value === null) return '\\N';
  const text = String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : text;
}

/** Reverses `copyText` for one field (text format escapes; `\N` is null). */
export function fromCopyText(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  return field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' })[c] ?? c);
}
