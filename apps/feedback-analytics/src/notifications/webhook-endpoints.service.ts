import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  CreatedWebhookEndpoint,
  CreateWebhookEndpointCommand,
  DeletedWebhookEndpoint,
  DeleteWebhookEndpointCommand,
  ListWebhookEndpointsQuery,
  Reply,
  replyOk,
  replyRefused,
  WebhookEndpointList,
  WebhookEndpointView,
  WebhookEventType,
  WebhookLimits,
} from '@credit-hub/contracts';
import { DataSource } from 'typeorm';
import { refuseEndpointUrl } from './url-policy';
import { sqlRows } from './webhook-store';
import { WebhooksConfig } from './webhooks.config';

interface EndpointRow {
  id: string;
  url: string;
  event_types: string[];
  description: string | null;
  created_at: Date;
}

/** Random bytes of a signing secret (Standard Webhooks: 24 to 64). */
const secretBytes = 32;

/** A new signing secret: `whsec_` + base64, the format the `standardwebhooks` libraries read. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(secretBytes).toString('base64')}`;
}

/**
 * The builders' webhook endpoints. Every query is scoped to the caller's domain: another domain's
 * endpoint is `not_found`, exactly like one that does not exist.
 */
@Injectable()
export class WebhookEndpoints {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: WebhooksConfig,
  ) {}

  /** Registers an endpoint; at most `endpointsPerDomainMax` live ones per domain (serialised per domain). */
  async create(command: CreateWebhookEndpointCommand): Promise<Reply<CreatedWebhookEndpoint>> {
    const refused = refuseEndpointUrl(command.url, this.config.WEBHOOKS_ALLOW_PRIVATE_URLS);
    if (refused) return replyRefused('validation_failed', refused, 'url');
    const secret = generateWebhookSecret();
    return this.dataSource.transaction(async (manager) => {
      await sqlRows(manager, 'SELECT pg_advisory_xact_lock(hashtext($1))', [`webhook-endpoints:${command.domain}`]);
      const [{ live }] = await sqlRows<{ live: number }>(
        manager,
        'SELECT count(*)::int AS live FROM webhook_endpoints WHERE domain = $1 AND deleted_at IS NULL',
        [command.domain],
      );
      if (live >= WebhookLimits.endpointsPerDomainMax) {
        return replyRefused<CreatedWebhookEndpoint>(
          'validation_failed',
          `a domain has at most ${WebhookLimits.endpointsPerDomainMax} webhook endpoints; delete one first`,
          'url',
        );
      }
      const [row] = await sqlRows<EndpointRow>(
        manager,
        `INSERT INTO webhook_endpoints (id, domain, url, event_types, description, secret)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id, url, event_types, description, created_at`,
        [randomUUID(), command.domain, command.url, command.eventTypes, command.description ?? null, secret],
      );
      return replyOk({ ...endpointView(row), secret });
    });
  }

  async list(query: ListWebhookEndpointsQuery): Promise<Reply<WebhookEndpointList>> {
    const rows = await sqlRows<EndpointRow>(
      this.dataSource,
      `SELECT id, url, event_types, description, created_at FROM webhook_endpoints
        WHERE domain = $1 AND deleted_at IS NULL ORDER BY created_at, id LIMIT $2`,
      [query.domain, WebhookLimits.endpointsPerDomainMax],
    );
    return replyOk({ items: rows.map(endpointView) });
  }

  /** Deletes an endpoint (kept, marked deleted, for its delivery log) and cancels its pending deliveries. */
  async delete(command: DeleteWebhookEndpointCommand): Promise<Reply<DeletedWebhookEndpoint>> {
    return this.dataSource.transaction(async (manager) => {
      const deleted = await sqlRows(
        manager,
        `UPDATE webhook_endpoints SET deleted_at = clock_timestamp()
          WHERE id = $1 AND domain = $2 AND deleted_at IS NULL RETURNING id`,
        [command.endpointId, command.domain],
      );
      if (deleted.length === 0) return replyRefused<DeletedWebhookEndpoint>('not_found', 'No such webhook endpoint', 'endpointId');
      const cancelled = await sqlRows(
        manager,
        `UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, completed_at = clock_timestamp()
          WHERE endpoint_id = $1 AND status = 'pending' RETURNING id`,
        [command.endpointId],
      );
      return replyOk({ id: command.endpointId, cancelledDeliveries: cancelled.length });
    });
  }
}

function endpointView(row: EndpointRow): WebhookEndpointView {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.event_types as WebhookEventType[],
    description: row.description,
    createdAt: row.created_at.toISOString(),
  };
}
