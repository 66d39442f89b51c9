// Small request/response helpers over node:http.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StripeApiError } from './errors';
import { stripeId } from './objects';

/** What a route handler answers; written to the socket by `writeReply`. */
export type Reply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'raw-json'; status: number; text: string; headers?: Record<string, string> }
  | { kind: 'html'; status: number; html: string }
  | { kind: 'redirect'; location: string };

/** A JSON reply. */
export function json(status: number, body: unknown): Reply {
  return { kind: 'json', status, body };
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the whole request body as UTF-8. Over 1 MiB the rest is drained and a 413 `StripeApiError`
 * is thrown, so the client always gets a response instead of a reset connection.
 */
export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new StripeApiError(413, 'invalid_request_error', 'Request body is larger than 1 MiB.'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

/** The media type of a request (`application/json`), lower case, without parameters; '' when absent. */
export function mediaType(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/** Writes `reply`, with a Stripe-like `Request-Id` header on JSON replies. No-op if the response is already sent. */
export function writeReply(response: ServerResponse, reply: Reply): void {
  if (response.headersSent || response.writableEnded) return;
  switch (reply.kind) {
    case 'json':
      return writeJsonText(response, reply.status, JSON.stringify(reply.body, null, 2), reply.headers);
    case 'raw-json':
      return writeJsonText(response, reply.status, reply.text, reply.headers);
    case 'html':
      response.writeHead(reply.status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(reply.html);
      return;
    case 'redirect':
      response.writeHead(303, { Location: reply.location });
      response.end();
      return;
  }
}

function writeJsonText(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Request-Id': stripeId('req_', 14),
    'Cache-Control': 'no-cache, no-store',
    ...headers,
  });
  response.end(text);
}
