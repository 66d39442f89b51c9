import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { WebhookLimits, WebhookDeliveryPage } from './webhook-model';
import { DeleteWebhookEndpointCommand } from './delete-webhook-endpoint';

/** `ListWebhookDeliveries`: an endpoint's deliveries, newest first, each with every attempt. */
export class ListWebhookDeliveriesQuery extends DeleteWebhookEndpointCommand {
  /** Opaque cursor from the previous page's `nextCursor`. */
  @IsOptional() @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @IsOptional() @Type(() => Number) @IsInt({ message: `limit must be a whole number from 1 to ${WebhookLimits.deliveriesPageSizeMax}` })
  @Min(1, { message: `limit must be a whole number from 1 to ${WebhookLimits.deliveriesPageSizeMax}` })
  @Max(WebhookLimits.deliveriesPageSizeMax, { message: `limit must be a whole number from 1 to ${WebhookLimits.deliveriesPageSizeMax}` })
  limit?: number;
}

/** `analytics.queries.list-webhook-deliveries.v1`: request/reply. */
export const ListWebhookDeliveriesMessage = defineMessage<ListWebhookDeliveriesQuery, WebhookDeliveryPage>()({ name: 'analytics.queries.list-webhook-deliveries.v1', kind: 'query', validate: strictly(ListWebhookDeliveriesQuery) });
