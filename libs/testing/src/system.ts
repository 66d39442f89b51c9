import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';
import { CreditHubClient, CreditHubClientOptions, CreditHubError } from '@credit-hub/sdk';
import { deleteNamespaceStreams } from './streams';

/**
 * The typed harness of the end-to-end suites: the whole system started as processes
 * (tools/scripts/system.js: the Stripe stand-in and the five services, random ports, own
 * databases and NATS namespace), API keys from the gateway's CLI, the typed SDK client on a key,
 * the Stripe stand-in's test routes, and the clean-up. tools/scripts/system.js stays plain
 * CommonJS (`npm start`, the demo and deploy/nats/check-cluster.js run it without a build); this
 * file gives it types.
 */

/** The repository root: the directory holding tools/scripts/system.js above this file (src or dist). */
export const repoRoot = findRoot(__dirname);

function findRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'tools', 'scripts', 'system.js')) && fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
}

/** Names of the processes startSystem starts, in its start order. */
export type ServiceName = 'stripe-standin' | 'ledger' | 'billing' | 'refunds' | 'feedback-analytics' | 'gateway';

/** The five services' databases, by startSystem's names. */
export type DatabaseName = 'gateway' | 'ledger' | 'billing' | 'refunds' | 'analytics';

/** The handle startSystem returns. */
export interface StartedSystem {
  urls: { gateway: string; standin: string; docs: string };
  ports: Record<'gateway' | 'ledger' | 'billing' | 'refunds' | 'analytics' | 'standin', number>;
  /** PostgreSQL URL of each service's database. */
  databases: Record<DatabaseName, string>;
  natsUrl: string;
  webhookSecret: string;
  /** The signing secret of the Connect webhook endpoint (`/webhooks/stripe/connect`). */
  connectWebhookSecret: string;
  logDir: string;
  /** The environment every service was started with (before its own variables). */
  env: NodeJS.ProcessEnv;
  processes: Record<ServiceName, ChildProcess>;
  /** Stops every process (SIGTERM, SIGKILL after 10 s); throws if the stand-in answered outside Stripe's schema. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Options of startSystem. */
export interface StartOptions {
  /** `random`: free ports (tests); `default`: those of `npm start`. */
  ports?: 'default' | 'random';
  /** NATS subject namespace (HUB_NAMESPACE); '' for none. */
  namespace?: string;
  /** Databases are `<prefix>_gateway`, `<prefix>_ledger`, … */
  databasePrefix?: string;
  postgresBaseUrl?: string;
  natsUrl?: string;
  webhookSecret?: string;
  connectWebhookSecret?: string;
  logDir?: string;
  /** Variables for every service. */
  env?: Record<string, string>;
  /** Variables for one service, e.g. `{ ledger: { NATS_USER: 'ledger' } }`. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Extra node flags for one service, e.g. `{ gateway: ['--cpu-prof'] }`. */
  nodeArgs?: Partial<Record<ServiceName, string[]>>;
}

/** A CLI run that may fail: its exit code and output. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** tools/scripts/system.js with types. */
export interface SystemScripts {
  startSystem(options: StartOptions): Promise<StartedSystem>;
  runApiKeyCli(system: StartedSystem, args: string[]): Promise<string>;
  runReplay(system: StartedSystem, args?: string[]): Promise<CliRun>;
  freePort(): Promise<number>;
  waitHealthy(name: string, url: string, timeoutMs: number, child?: ChildProcess): Promise<void>;
}

/** tools/scripts/system.js, loaded from the repository root (the same file from src and dist). */
export function systemScripts(): SystemScripts {
  return require(path.join(repoRoot, 'tools', 'scripts', 'system.js')) as SystemScripts;
}

/** Starts the whole system (see StartOptions); resolves once every process answers its health check. */
export function startSystem(options: StartOptions = {}): Promise<StartedSystem> {
  return systemScripts().startSystem(options);
}

/** Runs the gateway's API key CLI (`apikey …`) with the system's environment; resolves its stdout, rejects on a non-zero exit. */
export function runApiKeyCli(system: StartedSystem, args: string[]): Promise<string> {
  return systemScripts().runApiKeyCli(system, args);
}

/** Runs the ledger's replay CLI against the system's ledger database; resolves whatever its exit code. */
export function runReplay(system: StartedSystem, args: string[] = []): Promise<CliRun> {
  return systemScripts().runReplay(system, args);
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return systemScripts().freePort();
}

/** A new API key (`chk_dom_…`) acting for one domain. */
export async function createDomainKey(system: StartedSystem, domain: string): Promise<string> {
  return (JSON.parse(await runApiKeyCli(system, ['create', '--domain', domain, '--json'])) as { key: string }).key;
}

/** A new builder key acting for several domains (`--builder <name> --domains a,b`). */
export async function createBuilderKey(system: StartedSystem, builder: string, domains: string[]): Promise<string> {
  return (JSON.parse(await runApiKeyCli(system, ['create', '--builder', builder, '--domains', domains.join(','), '--json'])) as { key: string }).key;
}

/**
 * The typed SDK client on the system's gateway with `apiKey`. No retries unless asked: a test sees
 * every refusal and every 5xx as it was answered, never one the client hid by trying again.
 */
export function hubClient(system: Pick<StartedSystem, 'urls'>, apiKey: string, options: Partial<CreditHubClientOptions> = {}): CreditHubClient {
  const send = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  const client: CreditHubClient = new CreditHubClient({
    baseUrl: system.urls.gateway,
    apiKey,
    retries: 0,
    ...options,
    fetch: async (input, init) => {
      const response = await send(input, init);
      lastStatuses.set(client, response.status);
      return response;
    },
  });
  return client;
}

const lastStatuses = new WeakMap<CreditHubClient, number>();

/**
 * The HTTP status of the last answer `client` (from `hubClient`) received: for a test that checks
 * which success it was (201 created, 202 accepted, 200); the SDK answers the body only. Meaningful
 * after one awaited call, not among concurrent ones.
 */
export function lastStatus(client: CreditHubClient): number | undefined {
  return lastStatuses.get(client);
}

/** How an SDK call ended: its HTTP status, and the value, or the refusal's code and error. */
export interface SdkAnswer<T> {
  status: number;
  value?: T;
  code?: string;
  error?: CreditHubError;
}

/**
 * Awaits one SDK call of `client` (from `hubClient`) and answers how it ended, refusals included,
 * for tests that look at success and refusal alike (a poll until a refusal shows, a status per
 * step). An error that is not the hub's answer (a bug in the test) is thrown.
 */
export async function answered<T>(client: CreditHubClient, call: Promise<T>): Promise<SdkAnswer<T>> {
  try {
    const value = await call;
    return { status: lastStatus(client) ?? 0, value };
  } catch (error) {
    if (error instanceof CreditHubError && error.status > 0) return { status: error.status, code: error.code, error };
    throw error;
  }
}

/** A raw answer of the gateway: status, content type, headers and the parsed JSON body (null when empty). */
export interface RawAnswer<T = any> {
  status: number;
  type: string;
  headers: Headers;
  body: T;
}

/**
 * One request to the gateway by hand, for what a test checks of the HTTP exchange itself (bad JSON,
 * headers, problem+json shapes, a missing or foreign key); everything else goes through the SDK
 * (`hubClient`). `apiKey` null sends no Authorization header; `body` is sent as JSON, `rawBody`
 * as it is. A body that is not JSON makes it throw.
 */
export async function gatewayRequest<T = any>(
  system: Pick<StartedSystem, 'urls'>,
  method: string,
  path: string,
  options: { apiKey?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}), ...(options.headers ?? {}) };
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${system.urls.gateway}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** An answer of the Stripe stand-in's test routes: the status and the JSON body. */
export interface StandinAnswer<T = any> {
  status: number;
  body: T;
}

/**
 * The Stripe stand-in's test routes (tools/stripe-standin: `/test/…`), which play what a customer or
 * Stripe does: complete a checkout, pay or fail an invoice, dispute a charge, advance the clock,
 * deliver an event again. Every call is a POST with a JSON body.
 */
export class StripeStandin {
  constructor(readonly baseUrl: string) {}

  /** POST `path` (e.g. `/test/clock/advance`) with `body`; the status and parsed JSON (null when empty). */
  async post<T = any>(path: string, body: unknown = {}): Promise<StandinAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** The customer pays a checkout session; the stand-in sends `checkout.session.completed` (answer: `{ event, delivery }`). */
  completeCheckout<T = any>(sessionId: string, body: unknown = {}): Promise<StandinAnswer<T>> {
    return this.post<T>(`/test/checkout/sessions/${encodeURIComponent(sessionId)}/complete`, body);
  }

  /** Delivers a sent event once more, as Stripe's retries do. */
  deliverEvent<T = any>(eventId: string): Promise<StandinAnswer<T>> {
    return this.post<T>(`/test/events/${encodeURIComponent(eventId)}/deliver`);
  }

  /** Moves the stand-in's clock forward by whole days (renewals, grace periods); answers the events sent. */
  advanceClock<T = any>(days: number, body: Record<string, unknown> = {}): Promise<StandinAnswer<T>> {
    return this.post<T>('/test/clock/advance', { days, ...body });
  }
}

/** The stand-in of a started system. */
export function stripeStandin(system: Pick<StartedSystem, 'urls'>): StripeStandin {
  return new StripeStandin(system.urls.standin);
}

/**
 * Ends an end-to-end suite: stops the system's processes, drops its databases (FORCE: a
 * service's pool may still hold a connection) and deletes every JetStream stream of its
 * namespace. Does nothing when the system never started. Errors of the drops are raised: a
 * suite that cannot clean up should say so.
 */
export async function stopAndCleanUp(system: Pick<StartedSystem, 'stop' | 'databases' | 'natsUrl'> | undefined, namespace: string): Promise<void> {
  await system?.stop();
  if (!system) return;
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    for (const url of Object.values(system.databases)) await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  const nc = await connect({ servers: system.natsUrl });
  try {
    await deleteNamespaceStreams(await nc.jetstreamManager(), namespace);
  } finally {
    await nc.close();
  }
}
