import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, MicroserviceOptions, NatsContext, Payload, Transport } from '@nestjs/microservices';
import { GetHistoryQuery, LedgerSubjects, messageDefinition } from '@credit-hub/contracts';
import { testNatsUrl } from '@credit-hub/testing';
import { connect, NatsConnection } from 'nats';
import { correlationIdHeader, runWithCorrelation } from './correlation';
import { RequestClient } from './request-client';

// Real NATS and a real Nest NATS microservice (the transport every service answers on): the
// client's wire format, its outcomes and its headers. jest-setup sets HUB_NAMESPACE, so the
// subjects are this process' own.

const seen: { correlationId?: string; query?: GetHistoryQuery }[] = [];

@Controller()
class StandInLedger {
  @MessagePattern(LedgerSubjects.getHistory)
  history(@Payload() query: GetHistoryQuery, @Ctx() context: NatsContext) {
    seen.push({ correlationId: context.getHeaders()?.get(correlationIdHeader), query });
    return { ok: true, value: { email: query.email, items: [], nextCursor: null } };
  }

  @MessagePattern(LedgerSubjects.getBalance)
  balance() {
    return { ok: false, refusal: { code: 'account_frozen', detail: 'frozen while a dispute is open' } };
  }

  @MessagePattern(LedgerSubjects.grantCredits)
  async grant() {
    await new Promise((resolve) => setTimeout(resolve, 700));
    return { ok: true, value: {} };
  }

  @MessagePattern(LedgerSubjects.reserveCredits)
  reserve() {
    throw new Error('the handler crashed');
  }

  @MessagePattern(LedgerSubjects.releaseReservation)
  release() {
    return { answer: 'not a reply' };
  }
}

@Module({ controllers: [StandInLedger] })
class StandInModule {}

describe('RequestClient (real NATS, a Nest NATS service)', () => {
  let service: INestMicroservice;
  let nc: NatsConnection;
  let client: RequestClient;
  const logged: string[] = [];

  beforeAll(async () => {
    service = await NestFactory.createMicroservice<MicroserviceOptions>(StandInModule, { transport: Transport.NATS, options: { servers: [testNatsUrl], queue: 'ledger' }, logger: false });
    await service.listen();
    nc = await connect({ servers: testNatsUrl });
    client = new RequestClient(nc, { timeoutMs: 500, logger: { warn: (line) => logged.push(line), error: (line) => logged.push(line) } });
  });

  afterAll(async () => {
    await nc.close();
    await service.close();
  });

  it('sends a typed request and reads the ok reply, with the correlation id as a header', async () => {
    const outcome = await runWithCorrelation('corr-request-1', () => client.request('ledger.queries.get-history.v1', { email: 'ada@example.com', limit: 5 }));
    expect(outcome).toEqual({ kind: 'ok', value: { email: 'ada@example.com', items: [], nextCursor: null } });
    expect(seen.at(-1)).toEqual({ correlationId: 'corr-request-1', query: { email: 'ada@example.com', limit: 5 } });
    expect(messageDefinition('ledger.queries.get-history.v1').subject).toBe(LedgerSubjects.getHistory);
  });

  it('returns a refusal with its code', async () => {
    expect(await client.request('ledger.queries.get-balance.v1', { email: 'ada@example.com' })).toEqual({
      kind: 'refused',
      refusal: { code: 'account_frozen', detail: 'frozen while a dispute is open' },
    });
  });

  it('answers no responders at once, a slow service at its timeout, a crash and a malformed reply as unavailable', async () => {
    const started = Date.now();
    expect(await client.request('ledger.queries.get-refundable.v1', { email: 'a@example.com', domain: 'a.example.com', consumedSince: '2025-01-01T00:00:00Z' })).toMatchObject({
      kind: 'unavailable',
      reason: 'no_responders',
    });
    expect(Date.now() - started).toBeLessThan(450); // not the timeout
    const grant = { email: 'a@example.com', domain: 'a.example.com', credits: 1, grantId: 'g1', reason: 'test' };
    expect(await client.request('ledger.commands.grant-credits.v1', grant, { timeoutMs: 200 })).toMatchObject({ kind: 'unavailable', reason: 'timeout' });
    expect(await client.request('ledger.commands.reserve-credits.v1', { ...grant, referenceId: 'r1', ttlSeconds: 60 })).toMatchObject({ kind: 'unavailable', reason: 'remote_failure' });
    expect(await client.request('ledger.commands.release-reservation.v1', { reservationId: 'res_1', domain: 'a.example.com' })).toMatchObject({ kind: 'unavailable', reason: 'malformed_reply' });
    expect(logged.some((line) => line.includes('answered in an unexpected form'))).toBe(true);
  });

  it('sends only the given headers when told to leave the context out (a caller with its own ids)', async () => {
    await runWithCorrelation('corr-not-sent', () => client.sendRaw(LedgerSubjects.getHistory, { email: 'bob@example.com' }, { context: false, headers: { [correlationIdHeader]: 'corr-batch-7' } }));
    expect(seen.at(-1)).toEqual({ correlationId: 'corr-batch-7', query: { email: 'bob@example.com' } });
    await runWithCorrelation('corr-not-sent', () => client.sendRaw(LedgerSubjects.getHistory, { email: 'cy@example.com' }, { context: false }));
    expect(seen.at(-1)).toEqual({ correlationId: undefined, query: { email: 'cy@example.com' } });
  });

  it('answers a closed connection as unavailable, without sending', async () => {
    const closed = await connect({ servers: testNatsUrl });
    await closed.close();
    expect(await new RequestClient(closed, { timeoutMs: 500 }).request('ledger.queries.get-history.v1', { email: 'ada@example.com' })).toMatchObject({ kind: 'unavailable', reason: 'disconnected' });
  });
});
