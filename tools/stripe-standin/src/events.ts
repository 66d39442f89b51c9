// Events: each is stored once (with a snapshot of its object) and delivered to the webhook URL in
// creation order through one queue, so deliveries never overtake each other. Delivery failures are
// recorded in `state.deliveries`, never thrown.
import { wallClockNow } from './clock';
import { noSuchObject } from './errors';
import type { SimClock } from './clock';
import type { ContractRecorder } from './contract/contract';
import type { EventObject, StripeEvent } from './objects';
import { stripeId } from './objects';
import type { StandinConfig, StandinState } from './state';
import type { DeliveryResult } from './webhook';
import { deliverEvent } from './webhook';

/** What creates and delivers events: the state, the settings, the simulated clock and the delivery queue. */
export interface EventContext {
  /** The partition of the account the current request or job acts as (the platform's when no `Stripe-Account`). */
  state: StandinState;
  /** The platform's (root) state. */
  platform: StandinState;
  config: StandinConfig;
  clock: SimClock;
  outbox: Outbox;
  /** The Stripe schema check of responses and events; null when STRIPE_STANDIN_CONTRACT_SCHEMAS is unset. */
  contract: ContractRecorder | null;
}

/** The API request that caused an event (`event.request`); both null for clock-driven and dashboard events. */
export interface EventRequest {
  id: string | null;
  idempotency_key: string | null;
}

const NO_REQUEST: EventRequest = { id: null, idempotency_key: null };

/**
 * Stores a `type` event whose `data.object` is a deep copy of `object` now, `created` on the simulated
 * clock. `previous` (old values of changed fields) becomes `data.previous_attributes`. Not delivered yet.
 */
export function emitEvent<T extends EventObject>(app: EventContext, type: string, object: T, previous?: Record<string, unknown>, request = NO_REQUEST): StripeEvent<T> {
  return emitAccountEvent(app, app.state.account, type, object, previous, request);
}

/**
 * `emitEvent` for an event about connected account `account` (top-level `account`, delivered to the
 * Connect endpoint) whatever partition `app` is in, or a platform event when `account` is null.
 */
export function emitAccountEvent<T extends EventObject>(app: EventContext, account: string | null, type: string, object: T, previous?: Record<string, unknown>, request = NO_REQUEST): StripeEvent<T> {
  const event: StripeEvent<T> = {
    id: stripeId('evt_test_'),
    object: 'event',
    ...(account === null ? {} : { account }),
    api_version: app.config.apiVersion,
    created: app.clock.now(),
    data: previous === undefined ? { object: structuredClone(object) } : { object: structuredClone(object), previous_attributes: structuredClone(previous) },
    livemode: false,
    pending_webhooks: 0,
    request: { ...request },
    type,
  };
  app.state.events.push(event as StripeEvent);
  app.contract?.checkEvent(event);
  return event;
}

/**
 * The old values of the top-level fields of `after` that differ from `before` (a snapshot taken
 * before the change), Stripe's `previous_attributes`. Empty when nothing changed.
 */
export function changedAttributes<T extends object>(before: T, after: T): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof T & string)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = before[key];
  }
  return changed;
}

/**
 * Runs `change` on `object` and, if any top-level field changed, stores a `type` event (usually
 * `*.updated`) with the old values in `previous_attributes`. Returns whether something changed.
 */
export function applyUpdate<T extends EventObject>(app: EventContext, type: string, object: T, change: (target: T) => void, request = NO_REQUEST): boolean {
  const before = structuredClone(object);
  change(object);
  return emitChanges(app, type, before, object, request);
}

/** Stores a `type` event for `after` if it differs from the snapshot `before`; returns whether it did. */
export function emitChanges<T extends EventObject>(app: EventContext, type: string, before: T, after: T, request = NO_REQUEST): boolean {
  const previous = changedAttributes(before, after);
  if (Object.keys(previous).length === 0) return false;
  emitEvent(app, type, after, previous, request);
  return true;
}

/** True when `event` belongs to the account of partition `state` (the platform's have no `account`). */
export function eventVisible(state: StandinState, event: StripeEvent): boolean {
  return (event.account ?? null) === state.account;
}

/** The stored event `id` of the partition's account; 404 `resource_missing`. */
export function findEvent(state: StandinState, id: string): StripeEvent {
  const event = state.events.find((candidate) => candidate.id === id && eventVisible(state, candidate));
  if (!event) throw noSuchObject('event', id, 'id');
  return event;
}

/** Runs `work` and returns the events it stored, in creation order. */
export function collectEvents(state: StandinState, work: () => void): StripeEvent[] {
  const start = state.events.length;
  work();
  return state.events.slice(start);
}

/**
 * Runs `work` (an API call's effect) and queues the events it stored for delivery without waiting, as
 * Stripe answers the API call first and sends the webhooks after.
 */
export function deliverInBackground(app: EventContext, work: () => void): void {
  const events = collectEvents(app.state, work);
  if (events.length > 0) void app.outbox.deliver(events);
}

/** The webhook delivery queue: one delivery at a time, in the order events were queued. */
export class Outbox {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly state: StandinState, private readonly config: StandinConfig) {}

  /**
   * Queues `events` (marking each `pending_webhooks: 1`) and resolves with their delivery results, in
   * order, once they are all attempted. Never rejects.
   */
  deliver(events: readonly StripeEvent[]): Promise<DeliveryResult[]> {
    for (const event of events) event.pending_webhooks = 1;
    const run = this.tail.then(async () => {
      const results: DeliveryResult[] = [];
      for (const event of events) results.push(await this.attempt(event));
      return results;
    });
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Delivers one event now, outside the queue (re-deliveries), recorded the same way. */
  deliverNow(event: StripeEvent): Promise<DeliveryResult> {
    return this.attempt(event);
  }

  /**
   * True for an event of an account that disconnected the platform, other than the disconnection
   * itself: Stripe sends the platform nothing more from such an account.
   */
  private disconnected(event: StripeEvent): boolean {
    return event.account !== undefined && event.type !== 'account.application.deauthorized' && this.state.connect.deauthorized.has(event.account);
  }

  /** Resolves when every delivery queued so far has been attempted. */
  async idle(): Promise<void> {
    let tail: Promise<unknown>;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }

  /**
   * Events that carry `account` go to the Connect endpoint with its secret, the others to the platform
   * endpoint (Stripe: https://docs.stripe.com/connect/webhooks).
   */
  private async attempt(event: StripeEvent): Promise<DeliveryResult> {
    const connect = event.account !== undefined;
    if (connect && this.disconnected(event)) {
      event.pending_webhooks = 0;
      return { status: 0, error: `not sent: account ${event.account} disconnected the platform` };
    }
    const { url, secret, timeoutMs } = connect ? this.config.connectWebhook : this.config.webhook;
    const result: DeliveryResult =
      secret === null ? { status: 0, error: 'no Connect webhook secret configured (connectWebhookSecret / STRIPE_CONNECT_WEBHOOK_SECRET)' } : await deliverEvent(event, { url, secret, timeoutMs });
    this.state.deliveries.push({ event_id: event.id, url, attempted_at: wallClockNow(), result });
    if (result.status >= 200 && result.status < 300) event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
    return result;
  }
}
