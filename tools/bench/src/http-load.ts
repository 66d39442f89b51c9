import autocannon from 'autocannon';
import { HttpLoadConfig, LoadResult } from './load-types';
import { Samples, summarize } from './stats';

/** The batch API's route (`POST`, up to 1,000 consumes, one result per item in order). */
export const consumeBatchPath = '/api/portfolio/credits/consume/batch';

/** The batch API's request body: the consumes, each the body of the single consume route. */
export function consumeBatchBody(items: object[]): object {
  return { items };
}

/**
 * Consumes through the gateway over HTTP with autocannon: `connections` keep-alive clients, one
 * request in flight each. Client i spends from account i (or all from the one hot account); every
 * request carries a fresh referenceId. Latencies are taken from each client's `response` event
 * (sub-millisecond, 2xx only), not from autocannon's millisecond histogram. With `batchSize`, each
 * request carries that many consumes to the batch route (its answers count requests, not consumes).
 */
export async function runHttpLoad(config: HttpLoadConfig): Promise<LoadResult> {
  const { body } = config;
  const okLatencies = new Samples();
  const statuses: Record<string, number> = {};
  let clients = 0;
  let sent = 0;
  const url = new URL(config.batchSize ? consumeBatchPath : '/api/portfolio/credits/consume', config.url);
  const headers = { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json' };
  const setupClient = (client: autocannon.Client) => {
    const index = clients++;
    const email = body.accounts[index % body.accounts.length];
    let counter = 0;
    client.setRequests([
      {
        method: 'POST',
        path: url.pathname,
        headers,
        setupRequest: (request) => {
          sent++;
          const item = () => ({ email, domain: body.domain, deltaCredits: -body.credits, actionType: body.actionType, referenceId: `${body.referencePrefix}-${index}-${counter++}` });
          const payload = config.batchSize ? consumeBatchBody(Array.from({ length: config.batchSize }, item)) : item();
          return { ...request, body: JSON.stringify(payload) };
        },
      },
    ]);
    client.on('response', (statusCode: number, _bytes: number, responseTimeMs: number) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) okLatencies.push(responseTimeMs);
    });
  };
  const startedAt = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      { url: url.origin, connections: config.connections, duration: config.durationSec, pipelining: 1, timeout: 10, setupClient },
      (error, value) => (error ? reject(error) : resolve(value)),
    );
  });
  const durationSec = (performance.now() - startedAt) / 1000;
  const responses = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  const ok = result['2xx'];
  return {
    mode: 'http',
    concurrency: config.connections,
    durationSec,
    responses,
    sent,
    ok,
    okPerSec: ok / durationSec,
    responsesPerSec: responses / durationSec,
    statuses,
    notOk: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency: summarize(okLatencies.values()),
    autocannon: {
      requestsPerSecAverage: result.requests.average,
      latencyP50: result.latency.p50,
      latencyP99: result.latency.p99,
      latencyMax: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
    },
  };
}
