import { defineMessage, strictly } from '../message';
import { WebhookEndpointList } from './webhook-model';
import { OnDomain } from './webhook-fields';

/** `ListWebhookEndpoints`: the domain's live endpoints, oldest first (never their secrets). */
export class ListWebhookEndpointsQuery extends OnDomain {}

/** `analytics.queries.list-webhook-endpoints.v1`: request/reply. */
export const ListWebhookEndpointsMessage = defineMessage<ListWebhookEndpointsQuery, WebhookEndpointList>()({ name: 'analytics.queries.list-webhook-endpoints.v1', kind: 'query', validate: strictly(ListWebhookEndpointsQuery) });
