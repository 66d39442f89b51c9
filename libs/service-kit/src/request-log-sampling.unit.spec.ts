import type { IncomingMessage, ServerResponse } from 'node:http';
import { startTime } from 'pino-http';
import { requestLogLevel, sampleRequestLogs } from './observability';

function exchange(url: string, statusCode: number, startedMsAgo = 0): [IncomingMessage, ServerResponse] {
  const response = { statusCode, [startTime]: Date.now() - startedMsAgo } as unknown as ServerResponse;
  return [{ url } as IncomingMessage, response];
}

const levels = (url: string, statusCode: number, count: number, startedMsAgo = 0) =>
  Array.from({ length: count }, () => requestLogLevel(...exchange(url, statusCode, startedMsAgo)));

describe('request log sampling', () => {
  afterEach(() => sampleRequestLogs(undefined));

  it('logs every request when no sampling is set', () => {
    expect(levels('/api/portfolio/credits/consume', 200, 5)).toEqual(Array(5).fill('info'));
  });

  it('logs one answered request in N of a sampled path (query string ignored), every one elsewhere', () => {
    sampleRequestLogs({ paths: ['/api/portfolio/credits/consume'], oneIn: 4, slowMs: 1000 });
    expect(levels('/api/portfolio/credits/consume?x=1', 200, 8)).toEqual(['info', 'silent', 'silent', 'silent', 'info', 'silent', 'silent', 'silent']);
    expect(levels('/api/portfolio/credits/grants', 201, 3)).toEqual(['info', 'info', 'info']);
  });

  it('always logs an error answer, a raised error and a slow request of a sampled path', () => {
    sampleRequestLogs({ paths: ['/api/portfolio/credits/consume'], oneIn: 1000, slowMs: 1000 });
    levels('/api/portfolio/credits/consume', 200, 1); // the first of the thousand is kept
    expect(levels('/api/portfolio/credits/consume', 402, 3)).toEqual(['info', 'info', 'info']);
    expect(levels('/api/portfolio/credits/consume', 503, 2)).toEqual(['info', 'info']);
    expect(requestLogLevel(...exchange('/api/portfolio/credits/consume', 200), new Error('reset'))).toBe('info');
    expect(levels('/api/portfolio/credits/consume', 200, 2, 1500)).toEqual(['info', 'info']);
    expect(levels('/api/portfolio/credits/consume', 200, 2)).toEqual(['silent', 'silent']);
  });
});
