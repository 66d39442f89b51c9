import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { isPrivateAddress } from './url-policy';

/**
 * One HTTP attempt of a webhook, signed per the Standard Webhooks spec with the `standardwebhooks`
 * library: `webhook-id` (the delivery id, the same on every retry and replay), `webhook-timestamp`
 * (now, seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).
 * Redirects are not followed (a 3xx is a failure), and the whole attempt is bounded by `timeoutMs`.
 */

/** Bytes of a response body read at most (for the error text); the rest is dropped. */
const responseBodyBytesMax = 4096;
/** Characters of a failed response's body kept in the attempt's error. */
const errorBodyLengthMax = 200;

export interface WebhookRequest {
  url: string;
  webhookId: string;
  /** The JSON body, exactly as signed. */
  body: string;
  secret: string;
}

export interface WebhookSendOptions {
  timeoutMs: number;
  allowPrivateUrls: boolean;
  /** Signing time; default now. */
  now?: Date;
}

/** What one attempt came to: success is a 2xx answer. */
export interface WebhookAttemptResult {
  succeeded: boolean;
  startedAt: Date;
  durationMs: number;
  responseStatus: number | null;
  error: string | null;
}

/** The signed headers of one attempt. */
export function signedHeaders(request: WebhookRequest, at: Date): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'credit-hub-webhooks/1',
    'webhook-id': request.webhookId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(request.secret).sign(request.webhookId, at, request.body),
  };
}

/** Sends one attempt; never throws (every failure is a result with its error). */
export async function sendWebhook(request: WebhookRequest, options: WebhookSendOptions): Promise<WebhookAttemptResult> {
  const startedAt = options.now ?? new Date();
  const started = process.hrtime.bigint();
  const finish = (responseStatus: number | null, error: string | null): WebhookAttemptResult => ({
    succeeded: error === null,
    startedAt,
    durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
    responseStatus,
    error: error === null ? null : error.slice(0, 1000),
  });
  try {
    const response = await post(request, startedAt, options);
    if (response.status >= 200 && response.status < 300) return finish(response.status, null);
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
    const snippet = response.body.trim().slice(0, errorBodyLengthMax);
    return finish(response.status, `HTTP ${response.status}${redirect}${snippet ? `: ${snippet}` : ''}`);
  } catch (error) {
    return finish(null, (error as Error).message || String(error));
  }
}

function post(request: WebhookRequest, at: Date, options: WebhookSendOptions): Promise<{ status: number; body: string }> {
  const url = new URL(request.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowPrivateUrls && isIP(host) !== 0 && isPrivateAddress(host)) {
    return Promise.reject(new Error(`refused: ${host} is a private address`));
  }
  const body = Buffer.from(request.body, 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, rejectWith) => {
    let timedOut = false;
    const reject = (error: Error) => rejectWith(timedOut ? new Error(`timed out after ${options.timeoutMs} ms`) : error);
    const outgoing = send(url, {
      method: 'POST',
      headers: { ...signedHeaders(request, at), 'content-length': String(body.length) },
      ...(options.allowPrivateUrls ? {} : { lookup: publicOnlyLookup }),
    });
    const timer = setTimeout(() => {
      timedOut = true;
      outgoing.destroy(new Error(`timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.on('response', (response: IncomingMessage) => {
      readBounded(response).then(
        (text) => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, body: text });
        },
        (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
    outgoing.end(body);
  });
}

/** Reads at most `responseBodyBytesMax` bytes of a response, then stops reading it. */
function readBounded(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      if (size < responseBodyBytesMax) chunks.push(chunk.subarray(0, responseBodyBytesMax - size));
      size += chunk.length;
      if (size >= responseBodyBytesMax) {
        response.destroy();
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
    // Settles nothing after `end` (or the bounded read) resolved; a cut response (timeout) rejects.
    response.on('close', () => reject(new Error('the connection closed before the response ended')));
  });
}

/**
 * DNS lookup for the sockets of webhook requests when private URLs are not allowed: every address
 * a name resolves to must be public, checked on the very addresses the socket then connects to
 * (no window between a check and a second resolution).
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((entry) => isPrivateAddress(entry.address));
    if (refused || addresses.length === 0) {
      const why = refused ? `${hostname} resolves to the private address ${refused.address}` : `${hostname} has no address`;
      return callback(Object.assign(new Error(`refused: ${why}`), { code: 'EPRIVATE' }), '', 0);
    }
    if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
};
