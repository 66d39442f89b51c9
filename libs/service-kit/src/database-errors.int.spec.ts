/**
 * Which database errors are the data's fault, on the real PostgreSQL (its own SQLSTATEs, not
 * hand-made errors), and what a NATS request/reply handler that meets one answers through the
 * service-kit's filter: a `validation_failed` refusal, at once, never silence that the caller
 * would time out on and report as a retryable 503.
 */
import { Body, Controller, INestApplication, Module, Post } from '@nestjs/common';
import { ClientProxy, ClientProxyFactory, MessagePattern, Payload, Transport } from '@nestjs/microservices';
import { Reply } from '@credit-hub/contracts';
import { testNatsUrl, uniqueDatabaseUrl, uniqueName } from '@credit-hub/testing';
import { Client } from 'pg';
import { firstValueFrom, timeout } from 'rxjs';
import { bootService } from './bootstrap';
import { dataErrorOf, sqlStateOf } from './database-errors';
import { dropDatabase, ensureDatabase } from './database';

const databaseUrl = uniqueDatabaseUrl('dataerrors');
const subjects = { insert: `${uniqueName('dataerr')}.insert`, bug: `${uniqueName('dataerr')}.bug` };
let db: Client;
let app: INestApplication;
let client: ClientProxy;

@Controller()
class InsertController {
  @MessagePattern(subjects.insert)
  async insert(@Payload() payload: { note: string }): Promise<Reply<{ id: number }>> {
    const row = await db.query('INSERT INTO notes (note, data) VALUES ($1, $2) RETURNING id', [payload.note, JSON.stringify({ note: payload.note })]);
    return { ok: true, value: { id: row.rows[0].id } };
  }

  @MessagePattern(subjects.bug)
  bug(): never {
    throw new Error('a bug, not the data');
  }

  /** The same insert over HTTP (what the gateway's own tables meet). */
  @Post('notes')
  async insertOverHttp(@Body() body: { note: string }): Promise<{ id: number }> {
    const row = await db.query('INSERT INTO notes (note) VALUES ($1) RETURNING id', [body.note]);
    return { id: row.rows[0].id };
  }
}

@Module({ controllers: [InsertController] })
class InsertModule {}

/** The error PostgreSQL raises for `sql`, or undefined when it succeeds. */
async function errorOf(sql: string, parameters: unknown[] = []): Promise<unknown> {
  return db.query(sql, parameters).then(() => undefined, (error: unknown) => error);
}

beforeAll(async () => {
  await ensureDatabase(databaseUrl);
  db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(`CREATE TABLE notes (id serial PRIMARY KEY, note text NOT NULL CHECK (note <> 'forbidden'), data jsonb, other int REFERENCES notes (id), UNIQUE (note))`);
  app = await bootService({ name: 'data-errors-test', module: InsertModule, httpHost: '127.0.0.1', httpPort: 0, nats: { servers: testNatsUrl, queue: 'data-errors' } });
  client = ClientProxyFactory.create({ transport: Transport.NATS, options: { servers: [testNatsUrl] } });
  await client.connect();
});

afterAll(async () => {
  await client?.close();
  await app?.close();
  await db?.end();
  await dropDatabase(databaseUrl);
});

describe('database errors caused by the data', () => {
  it('classes class 22 and class 23 (but unique_violation) as the data\'s fault, by real PostgreSQL errors', async () => {
    await db.query(`INSERT INTO notes (note) VALUES ('taken')`);
    const cases: [string, unknown, string, boolean][] = [
      ['NUL in text', await errorOf('INSERT INTO notes (note) VALUES ($1)', ['a\u0000b']), '22021', true],
      ['NUL escape in jsonb', await errorOf(`INSERT INTO notes (note, data) VALUES ('j', $1)`, ['{"a":"\\u0000"}']), '22P05', true],
      ['lone surrogate escape in jsonb', await errorOf(`INSERT INTO notes (note, data) VALUES ('s', $1)`, ['{"a":"\\ud800"}']), '22P02', true],
      ['number out of range', await errorOf(`SELECT 2147483648::int`), '22003', true],
      ['not-null', await errorOf(`INSERT INTO notes (note) VALUES (NULL)`), '23502', true],
      ['check', await errorOf(`INSERT INTO notes (note) VALUES ('forbidden')`), '23514', true],
      ['foreign key', await errorOf(`INSERT INTO notes (note, other) VALUES ('fk', 999999)`), '23503', true],
      ['unique key (a conflict the code relies on)', await errorOf(`INSERT INTO notes (note) VALUES ('taken')`), '23505', false],
      ['syntax (a bug)', await errorOf(`SELEC 1`), '42601', false],
    ];
    for (const [what, error, sqlState, data] of cases) {
      expect({ what, sqlState: sqlStateOf(error), data: dataErrorOf(error) !== undefined }).toEqual({ what, sqlState, data });
    }
    // Wrapped (TypeORM's QueryFailedError keeps the driver's error as driverError).
    expect(dataErrorOf({ message: 'query failed', driverError: cases[0]?.[1] })?.sqlState).toBe('22021');
    expect(dataErrorOf(new Error('connection terminated'))).toBeUndefined();
  });

  it('answers a NATS request whose handler meets a data error with a validation_failed refusal, and anything else with a retryable service_unavailable refusal', async () => {
    const ask = (subject: string, payload: object) => firstValueFrom(client.send<Reply<unknown>>(subject, payload).pipe(timeout(5_000)));
    expect(await ask(subjects.insert, { note: 'fine' })).toEqual({ ok: true, value: { id: expect.any(Number) } });
    const refused = await ask(subjects.insert, { note: 'a\u0000b' });
    expect(refused).toEqual({ ok: false, refusal: { code: 'validation_failed', detail: expect.stringContaining('SQLSTATE 22') } });
    // Anything else (here a bug; usually the database down) is a retryable refusal, as the ledger's handlers answer.
    expect(await ask(subjects.bug, {})).toEqual({ ok: false, refusal: { code: 'service_unavailable', detail: expect.any(String) } });
  });

  it('answers an HTTP request whose handler meets a data error with 400 validation_failed problem+json, not retryable', async () => {
    const address = app.getHttpServer().address() as { port: number };
    const post = (note: string) => fetch(`http://127.0.0.1:${address.port}/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note }) });
    expect((await post('over http')).status).toBe(201);
    const refused = await post('nul \u0000 over http');
    expect({ status: refused.status, type: refused.headers.get('content-type') }).toEqual({ status: 400, type: expect.stringContaining('application/problem+json') });
    expect(await refused.json()).toEqual(expect.objectContaining({ code: 'validation_failed', retryable: false, detail: expect.stringContaining('SQLSTATE 22021') }));
  });
});
