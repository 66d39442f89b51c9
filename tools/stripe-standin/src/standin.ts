// A local, stateful stand-in for the part of the Stripe API that billing uses, for tests and demos
// on machines that cannot reach api.stripe.com. Point the official SDK at it with
// `new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false })`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { SimClock } from './clock';
import type { ContractViolation } from './contract/contract';
import { ContractRecorder, describeViolations, StripeContract } from './contract/contract';
import { Outbox } from './events';
import type { App } from './router';
import { handleRequest } from './router';
import { stripeId } from './objects';
import { ROUTES } from './routes';
import type { StandinConfig, StandinState } from './state';
import { createState } from './state';

export type { ConnectState, StandinState } from './state';
export type { BalanceTransaction } from './balance';
export type { AdvanceResult } from './billing-cycle';
export type { CheckoutSessionView, DeliveryReply } from './routes';
export type { CheckoutSession, EventObject, PaymentIntent, Price, StripeEvent, StripeList } from './objects';
export type { Customer, Invoice, PortalSession, Subscription, SubscriptionItem } from './billing-objects';
export type { Charge, Dispute, Refund } from './payment-objects';
export type { Account, AccountLink, Application, ApplicationFee, FeeRefund } from './connect-objects';
export type { DeliveryResult } from './webhook';
export type { ContractViolation } from './contract/contract';
export { CONTRACT_SCHEMAS_ENV, describeViolations } from './contract/contract';

/** Options of `startStripeStandin`. Every field is optional. */
export interface StripeStandinOptions {
  /** TCP port; 0 picks a free one. Default 12111. */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Where events are POSTed. Default `http://127.0.0.1:3000/webhooks/stripe`. */
  webhookUrl?: string;
  /** Signing secret for `Stripe-Signature`. Default `whsec_local_standin_secret`. */
  webhookSecret?: string;
  /**
   * Where events that carry `account` (Connect webhooks: events on connected accounts, `account.updated`,
   * `account.application.deauthorized`) are POSTed. Default: `webhookUrl` + `/connect`.
   */
  connectWebhookUrl?: string;
  /**
   * Signing secret of the Connect endpoint (`whsec_…`). No default: without it, Connect events are stored
   * but their deliveries are recorded as failed.
   */
  connectWebhookSecret?: string;
  /** Name of the platform's Connect application (`application.name`). Default `credit-hub`. */
  platformName?: string;
  /** Base URL of the hosted checkout and portal pages (`session.url`). Default: the stand-in's own URL. */
  publicUrl?: string;
  /** Time limit of one webhook delivery, in milliseconds. Default 10000. */
  webhookTimeoutMs?: number;
  /** `api_version` written on events. Default: the version pinned by the installed `stripe` package. */
  apiVersion?: string;
  /**
   * What to do with responses and events that do not match Stripe's schema when the contract check is on
   * (STRIPE_STANDIN_CONTRACT_SCHEMAS set): `fail-on-close` (default) makes `close()` reject with them
   * after shutting down; `record` only keeps them (`GET /test/contract-violations`), as the CLI does.
   */
  contractViolations?: 'fail-on-close' | 'record';
}

/** A running stand-in. */
export interface StripeStandin {
  /** Base URL, e.g. `http://127.0.0.1:12111`. */
  url: string;
  /** The bound port (useful with `port: 0`). */
  port: number;
  /**
   * Stops listening and drops open connections (keep-alive sockets included), then waits for queued
   * webhook deliveries to finish. Safe to call twice.
   */
  close(): Promise<void>;
  /** The live in-memory state: sessions, customers, subscriptions, invoices, charges, events, deliveries... */
  state: StandinState;
  /** The simulated clock: `now()` in unix seconds (moved by `POST /test/clock/advance`). */
  clock: { now(): number };
  /**
   * The Stripe schema check: `enabled` when STRIPE_STANDIN_CONTRACT_SCHEMAS names a schema bundle;
   * `violations()` lists what did not match so far, `take()` returns and forgets them (for tests that
   * provoke violations on purpose).
   */
  contract: { enabled: boolean; violations(): ContractViolation[]; take(): ContractViolation[] };
}

/** Defaults of `StripeStandinOptions` (also used by the CLI in main.ts). */
export const STANDIN_DEFAULTS = {
  port: 12111,
  host: '127.0.0.1',
  webhookUrl: 'http://127.0.0.1:3000/webhooks/stripe',
  webhookSecret: 'whsec_local_standin_secret',
  webhookTimeoutMs: 10_000,
} as const;

/**
 * Starts the stand-in HTTP server and resolves once it listens (rejects if the port cannot be bound).
 * Money in every object is an integer in minor units with a lower-case ISO currency (500 + 'usd' = $5.00);
 * timestamps are unix seconds on the stand-in's simulated clock (wall clock until advanced).
 */
export async function startStripeStandin(options: StripeStandinOptions = {}): Promise<StripeStandin> {
  const host = options.host ?? STANDIN_DEFAULTS.host;
  const server = http.createServer();
  const port = await listen(server, options.port ?? STANDIN_DEFAULTS.port, host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const state = createState({ id: stripeId('ca_', 32), object: 'application', name: options.platformName ?? 'credit-hub' });
  const config = resolveConfig(options, url);
  const schemas = StripeContract.fromEnvironment();
  const recorder = schemas ? new ContractRecorder(schemas) : null;
  const app: App = { state, platform: state, config, clock: new SimClock(), outbox: new Outbox(state, config), contract: recorder };
  server.on('request', (request, response) => {
    void handleRequest(request, response, app, ROUTES);
  });
  const contract = {
    enabled: recorder !== null,
    violations: () => recorder?.log.list() ?? [],
    take: () => recorder?.log.take() ?? [],
  };
  const failOnClose = (options.contractViolations ?? 'fail-on-close') === 'fail-on-close';
  return { url, port, close: closer(server, app.outbox, failOnClose ? contract : null), state, clock: { now: () => app.clock.now() }, contract };
}

function resolveConfig(options: StripeStandinOptions, url: string): StandinConfig {
  const webhookUrl = options.webhookUrl ?? STANDIN_DEFAULTS.webhookUrl;
  const timeoutMs = options.webhookTimeoutMs ?? STANDIN_DEFAULTS.webhookTimeoutMs;
  return {
    publicUrl: (options.publicUrl ?? url).replace(/\/+$/, ''),
    webhook: { url: webhookUrl, secret: options.webhookSecret ?? STANDIN_DEFAULTS.webhookSecret, timeoutMs },
    connectWebhook: { url: options.connectWebhookUrl ?? `${webhookUrl.replace(/\/+$/, '')}/connect`, secret: options.connectWebhookSecret || null, timeoutMs },
    apiVersion: options.apiVersion ?? Stripe.API_VERSION,
  };
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (error) => console.error('[stripe-standin] server error:', error));
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closer(server: http.Server, outbox: Outbox, contract: { take(): ContractViolation[] } | null): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    })
      .then(() => outbox.idle())
      .then(() => {
        const violations = contract?.take() ?? [];
        if (violations.length > 0) {
          throw new Error(`The Stripe stand-in produced ${violations.length} response(s)/event(s) outside Stripe's schema:\n${describeViolations(violations)}`);
        }
      });
    return closing;
  };
}
