// Request dispatch: route matching, API-key auth, idempotent replay and error rendering.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { internalError, invalidRequest, StripeApiError, unrecognizedUrl } from './errors';
import type { EventContext } from './events';
import type { Reply } from './http-io';
import { json, readBody, writeReply } from './http-io';

/** The running stand-in as handlers see it: state, settings, simulated clock and webhook queue. */
export type App = EventContext;

/** One request, with its body read and its path parameters decoded. */
export interface RequestContext {
  request: IncomingMessage;
  method: string;
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  rawBody: string;
  /** Decoded captures of the route pattern (`[sessionId]`). */
  params: string[];
  app: App;
}

/** A route: `auth` routes need a secret key; `idempotent` routes honour `Idempotency-Key`. */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  auth: boolean;
  idempotent?: boolean;
  handle(context: RequestContext): Reply | Promise<Reply>;
}

/**
 * Handles one request end to end and never rejects: every failure becomes a Stripe-shaped error
 * reply (a non-`StripeApiError` is logged and answered with a 500 `api_error`).
 */
export async function handleRequest(request: IncomingMessage, response: ServerResponse, app: App, routes: readonly Route[]): Promise<void> {
  try {
    const reply = await dispatch(request, app, routes);
    if (app.contract) checkContract(app, request, reply);
    writeReply(response, reply);
  } catch (error) {
    try {
      writeReply(response, errorReply(error));
    } catch {
      response.destroy();
    }
  }
}

/** Validates a 2xx JSON answer of a Stripe API route (not the /test helpers or pages) against Stripe's schema. */
function checkContract(app: App, request: IncomingMessage, reply: Reply): void {
  const path = (request.url ?? '/').split('?')[0];
  if (!path.startsWith('/v1/') || (reply.kind !== 'json' && reply.kind !== 'raw-json') || reply.status < 200 || reply.status >= 300) return;
  const body: unknown = reply.kind === 'json' ? JSON.parse(JSON.stringify(reply.body)) : JSON.parse(reply.text);
  app.contract?.checkResponse(`${request.method ?? 'GET'} ${path}`, body);
}

function errorReply(error: unknown): Reply {
  if (error instanceof StripeApiError) return json(error.status, error.toBody());
  console.error('[stripe-standin] unexpected error:', error);
  return json(500, internalError().toBody());
}

async function dispatch(request: IncomingMessage, app: App, routes: readonly Route[]): Promise<Reply> {
  const rawBody = await readBody(request);
  const url = new URL(request.url ?? '/', 'http://standin.invalid');
  const method = request.method ?? 'GET';
  const match = matchRoute(routes, method, url.pathname);
  if (!match) throw unrecognizedUrl(method, url.pathname);
  if (match.route.auth) authenticate(request.headers.authorization);
  const scoped = match.route.auth ? accountScope(app, headerValue(request, 'stripe-account')) : app;
  const context: RequestContext = { request, method, path: url.pathname, query: url.search.slice(1), rawBody, params: match.params, app: scoped };
  if (match.route.idempotent && method === 'POST') return replayOrRun(context, match.route);
  return match.route.handle(context);
}

function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    const found = route.method === method ? route.pattern.exec(path) : null;
    if (found) return { route, params: found.slice(1).map(decodePathSegment) };
  }
  return undefined;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidRequest(`Invalid URL: malformed percent-encoding in '${segment}'.`);
  }
}

/**
 * The app seen through the `Stripe-Account` header: the connected account's partition of the API
 * objects (and events), or the platform's when the header is absent. An unknown account, or one that
 * disconnected the platform, is a 403 as Stripe answers (`account_invalid`).
 */
export function accountScope(app: App, account: string | undefined): App {
  if (account === undefined) return app;
  const partition = app.state.connect.partitions.get(account);
  if (!partition || app.state.connect.deauthorized.has(account)) throw noAccountAccess(account);
  return { ...app, state: partition };
}

/** Stripe's 403 for an account the platform cannot act on: unknown, or it disconnected the platform. */
export function noAccountAccess(account: string): StripeApiError {
  return new StripeApiError(403, 'invalid_request_error', `The provided key does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`, { code: 'account_invalid' });
}

/** The app in the partition that holds an object for which `has` is true (test helpers name objects by id only); the platform's if none does. */
export function scopeOwning(app: App, has: (state: App['state']) => boolean): App {
  const root = app.platform;
  if (has(root)) return { ...app, state: root };
  for (const partition of root.connect.partitions.values()) if (has(partition)) return { ...app, state: partition };
  return { ...app, state: root };
}

const NO_KEY_MESSAGE =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";

/** Accepts `Authorization: Bearer sk_...` (and curl's `-u sk_...:` Basic form); anything else is a 401. */
export function authenticate(header: string | undefined): void {
  const key = apiKeyFrom(header);
  if (!key) throw new StripeApiError(401, 'invalid_request_error', NO_KEY_MESSAGE);
  if (!/^sk_[A-Za-z0-9_]+$/.test(key)) {
    throw new StripeApiError(401, 'invalid_request_error', `Invalid API Key provided: ${redactKey(key)}`);
  }
}

function apiKeyFrom(header: string | undefined): string | undefined {
  const [scheme, value] = (header ?? '').trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value;
  if (scheme.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}

function redactKey(key: string): string {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 4)}${'*'.repeat(key.length - 8)}${key.slice(-4)}`;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * Stripe idempotency: the first successful (2xx) response for an `Idempotency-Key` is stored and
 * replayed verbatim (with `Idempotent-Replayed: true`) for a retry with the same path and body.
 * Reusing the key for another path or other params is a 400 `idempotency_error`. Validation errors
 * are not stored, so a corrected retry with the same key runs normally; card errors (`replayable`)
 * are stored and replayed, as Stripe does once a request started executing.
 */
async function replayOrRun(context: RequestContext, route: Route): Promise<Reply> {
  const key = headerValue(context.request, 'idempotency-key');
  if (key === undefined) return route.handle(context);
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw invalidRequest(`Idempotency keys can be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`, { param: 'Idempotency-Key' });
  }
  const stored = context.app.state.idempotency.get(key);
  if (stored) {
    assertSameRequest(stored, context, key);
    return { kind: 'raw-json', status: stored.status, text: stored.responseText, headers: { 'Idempotency-Key': key, 'Idempotent-Replayed': 'true' } };
  }
  let reply: Reply;
  try {
    reply = await route.handle(context);
  } catch (error) {
    if (error instanceof StripeApiError && error.replayable) store(context, key, error.status, error.toBody());
    throw error;
  }
  if (reply.kind !== 'json' || reply.status < 200 || reply.status >= 300) return reply;
  const responseText = store(context, key, reply.status, reply.body);
  return { kind: 'raw-json', status: reply.status, text: responseText, headers: { 'Idempotency-Key': key } };
}

function store(context: RequestContext, key: string, status: number, body: unknown): string {
  const responseText = JSON.stringify(body, null, 2);
  context.app.state.idempotency.set(key, { method: context.method, path: context.path, requestBody: context.rawBody, status, responseText });
  return responseText;
}

function assertSameRequest(stored: { method: string; path: string; requestBody: string }, context: RequestContext, key: string): void {
  if (stored.method !== context.method || stored.path !== context.path) {
    throw new StripeApiError(400, 'idempotency_error', `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${stored.method} ${stored.path}'). Try using a key other than '${key}' if you meant to execute a different request.`);
  }
  if (stored.requestBody !== context.rawBody) {
    throw new StripeApiError(400, 'idempotency_error', `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`);
  }
}

/** A single-valued request header, trimmed; `undefined` when absent or empty. */
export function headerValue(request: IncomingMessage, name: string): string | undefined {
  const raw = request.headers[name.toLowerCase()];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value ? value : undefined;
}
