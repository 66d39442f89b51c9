import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ListWebhookDeliveriesQuery,
  ReplayWebhookDeliveryCommand,
  Reply,
  replyOk,
  replyRefused,
  WebhookAttemptView,
  WebhookDeliveryPage,
  WebhookDeliveryStatus,
  WebhookDeliveryView,
  WebhookEventType,
  WebhookLimits,
} from '@credit-hub/contracts';
import { DataSource, EntityManager } from 'typeorm';
import { WebhookDeliveryWorker } from './delivery-worker';
import { sqlRows } from './webhook-store';
import { WebhooksConfig } from './webhooks.config';

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempt_count: number;
  next_attempt_at: Date | null;
  created_at: Date;
  completed_at: Date | null;
  /** created_at in microseconds since the epoch (exact; the page cursor). */
  created_us: string;
}

interface AttemptRow {
  delivery_id: string;
  attempt: number;
  trigger: 'scheduled' | 'replay';
  started_at: Date;
  duration_ms: number;
  response_status: number | null;
  error: string | null;
  outcome: 'succeeded' | 'failed';
  next_retry_at: Date | null;
}

const deliveryColumns = `d.id, d.endpoint_id, d.event_id, d.event_type, d.status, d.attempt_count, d.next_attempt_at,
  d.created_at, d.completed_at, (extract(epoch FROM d.created_at) * 1000000)::bigint::text AS created_us`;

/**
 * The delivery log of the builders' endpoints, and the manual replay. Scoped to the caller's
 * domain like the endpoints: another domain's delivery is `not_found`.
 */
@Injectable()
export class WebhookDeliveries {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly worker: WebhookDeliveryWorker,
    private readonly config: WebhooksConfig,
  ) {}

  /** An endpoint's deliveries, newest first, with every attempt; cursor-paginated. */
  async list(query: ListWebhookDeliveriesQuery): Promise<Reply<WebhookDeliveryPage>> {
    const cursor = query.cursor === undefined ? null : parseCursor(query.cursor);
    if (cursor === undefined) return replyRefused('validation_failed', 'cursor must be a cursor returned by a previous page', 'cursor');
    const limit = query.limit ?? WebhookLimits.deliveriesPageSizeDefault;
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const endpoint = await sqlRows(manager, 'SELECT 1 FROM webhook_endpoints WHERE id = $1 AND domain = $2 AND deleted_at IS NULL', [
        query.endpointId,
        query.domain,
      ]);
      if (endpoint.length === 0) return replyRefused<WebhookDeliveryPage>('not_found', 'No such webhook endpoint', 'endpointId');
      const rows = await sqlRows<DeliveryRow>(
        manager,
        `SELECT ${deliveryColumns} FROM webhook_deliveries d
          WHERE d.endpoint_id = $1
            AND ($2::bigint IS NULL OR (d.created_at, d.id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
          ORDER BY d.created_at DESC, d.id DESC LIMIT $4`,
        [query.endpointId, cursor?.createdUs ?? null, cursor?.id ?? null, limit + 1],
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const items = await withAttempts(manager, page);
      return replyOk({ endpointId: query.endpointId, items, nextCursor: rows.length > limit && last ? `${last.created_us}_${last.id}` : null });
    });
  }

  /**
   * Sends a delivery again now, with a fresh retry schedule and horizon, whatever its status; the
   * `webhook-id` stays the delivery id, so a receiver that already handled it can tell. A
   * delivery whose attempt is in flight is answered as it is: that attempt is the replay.
   */
  async replay(command: ReplayWebhookDeliveryCommand): Promise<Reply<WebhookDeliveryView>> {
    const answer = await this.dataSource.transaction(async (manager) => {
      const [row] = await sqlRows<DeliveryRow & { in_flight: boolean }>(
        manager,
        `SELECT ${deliveryColumns}, (d.lease_id IS NOT NULL AND d.status = 'pending' AND d.next_attempt_at > clock_timestamp()) AS in_flight
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.id = $1 AND e.domain = $2 AND e.deleted_at IS NULL
          FOR UPDATE OF d`,
        [command.deliveryId, command.domain],
      );
      if (!row) return replyRefused<WebhookDeliveryView>('not_found', 'No such webhook delivery', 'deliveryId');
      if (row.in_flight) return replyOk((await withAttempts(manager, [row]))[0]);
      const [replayed] = await sqlRows<DeliveryRow>(
        manager,
        `UPDATE webhook_deliveries d
            SET status = 'pending', next_attempt_at = clock_timestamp(), completed_at = NULL, failures_since_start = 0,
                retry_until = clock_timestamp() + $2 * interval '1 millisecond', replay_requested = true, lease_id = NULL
          WHERE d.id = $1
         RETURNING ${deliveryColumns}`,
        [command.deliveryId, this.config.WEBHOOK_RETRY_HORIZON_MS],
      );
      return replyOk((await withAttempts(manager, [replayed]))[0]);
    });
    if (answer.ok) this.worker.wake();
    return answer;
  }
}

/** `<created_us>_<uuid>` → its parts; undefined when it is not one of ours. */
function parseCursor(cursor: string): { createdUs: string; id: string } | undefined {
  const match = /^(\d{1,20})_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(cursor);
  return match ? { createdUs: match[1], id: match[2] } : undefined;
}

async function withAttempts(manager: EntityManager, rows: DeliveryRow[]): Promise<WebhookDeliveryView[]> {
  const attempts = await sqlRows<AttemptRow>(
    manager,
    `SELECT delivery_id, attempt, trigger, started_at, duration_ms, response_status, error, outcome, next_retry_at
       FROM webhook_attempts WHERE delivery_id = ANY ($1::uuid[]) ORDER BY delivery_id, attempt`,
    [rows.map((row) => row.id)],
  );
  const byDelivery = new Map<string, WebhookAttemptView[]>();
  for (const attempt of attempts) {
    const list = byDelivery.get(attempt.delivery_id) ?? [];
    list.push({
      attempt: attempt.attempt,
      trigger: attempt.trigger,
      startedAt: attempt.started_at.toISOString(),
      durationMs: attempt.duration_ms,
      responseStatus: attempt.response_status,
      error: attempt.error,
      outcome: attempt.outcome,
      nextRetryAt: attempt.next_retry_at?.toISOString() ?? null,
    });
    byDelivery.set(attempt.delivery_id, list);
  }
  return rows.map((row) => ({
    id: row.id,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type as WebhookEventType,
    status: row.status as WebhookDeliveryStatus,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    attempts: byDelivery.get(row.id) ?? [],
  }));
}
