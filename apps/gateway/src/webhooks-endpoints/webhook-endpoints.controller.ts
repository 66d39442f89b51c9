import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  CreatedWebhookEndpoint,
  CreateWebhookEndpointCommand,
  DeletedWebhookEndpoint,
  ListWebhookDeliveriesQuery,
  WebhookDeliveryPage,
  WebhookDeliveryView,
  WebhookEndpointList,
  WebhookSubjects,
} from '@credit-hub/contracts';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import {
  CreatedWebhookEndpointResponse,
  CreateWebhookEndpointRequest,
  DeletedWebhookEndpointResponse,
  ListWebhookDeliveriesRequest,
  ListWebhookEndpointsRequest,
  ReplayWebhookDeliveryRequest,
  WebhookDeliveryPageResponse,
  WebhookDeliveryResponse,
  WebhookEndpointListResponse,
} from './webhook-endpoints.dto';

/**
 * The builders' outgoing webhooks: endpoints of the API key's domain and their delivery log,
 * forwarded to feedback-analytics (which owns them) over NATS request/reply. Another domain's
 * endpoint or delivery is 404, exactly like one that does not exist.
 */
@ApiTags('webhooks')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/webhooks')
export class WebhookEndpointsController {
  constructor(private readonly hub: HubClient) {}

  @Post('endpoints')
  @HttpCode(201)
  @ApiOperation({ operationId: 'createWebhookEndpoint', summary: 'Create a webhook endpoint', description: 'Register an endpoint for some event types; the answer carries its signing secret, once (docs/webhooks.md).' })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'payload_too_large', 'service_unavailable')
  create(@Body() body: CreateWebhookEndpointRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<CreatedWebhookEndpoint> {
    const command: CreateWebhookEndpointCommand = { domain: key.domain, url: body.url, eventTypes: body.eventTypes };
    if (body.description !== undefined) command.description = body.description;
    return this.hub.request<CreatedWebhookEndpoint>(WebhookSubjects.createEndpoint, command);
  }

  @Get('endpoints')
  @ApiOperation({ operationId: 'listWebhookEndpoints', summary: 'List webhook endpoints', description: 'The domain\'s webhook endpoints (never their secrets).' })
  @ApiOkResponse({ type: WebhookEndpointListResponse })
  @ApiProblems('unauthorized', 'forbidden_domain', 'service_unavailable')
  list(@Query() _query: ListWebhookEndpointsRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<WebhookEndpointList> {
    return this.hub.request<WebhookEndpointList>(WebhookSubjects.listEndpoints, { domain: key.domain });
  }

  @Delete('endpoints/:id')
  @ApiOperation({ operationId: 'deleteWebhookEndpoint', summary: 'Delete a webhook endpoint', description: 'Delete an endpoint; its pending deliveries are cancelled.' })
  @ApiOkResponse({ type: DeletedWebhookEndpointResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'not_found', 'service_unavailable')
  delete(@Param('id') id: string, @CurrentApiKey() key: ApiKeyRecord): Promise<DeletedWebhookEndpoint> {
    return this.hub.request<DeletedWebhookEndpoint>(WebhookSubjects.deleteEndpoint, { domain: key.domain, endpointId: id });
  }

  @Get('endpoints/:id/deliveries')
  @ApiOperation({ operationId: 'listWebhookDeliveries', summary: 'List an endpoint\'s deliveries', description: 'An endpoint\'s deliveries, newest first, each with every attempt (status, response code, duration, error, next retry). Cursor-paginated: pass `nextCursor` as `cursor`.' })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'not_found', 'service_unavailable')
  deliveries(@Param('id') id: string, @Query() query: ListWebhookDeliveriesRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<WebhookDeliveryPage> {
    const request: ListWebhookDeliveriesQuery = { domain: key.domain, endpointId: id };
    if (query.cursor !== undefined) request.cursor = query.cursor;
    if (query.limit !== undefined) request.limit = query.limit;
    return this.hub.request<WebhookDeliveryPage>(WebhookSubjects.listDeliveries, request);
  }

  @Post('deliveries/:id/replay')
  @HttpCode(202)
  @ApiOperation({ operationId: 'replayWebhookDelivery', summary: 'Replay a webhook delivery', description: 'Send a delivery again now (same webhook-id, so receivers can deduplicate), with a fresh retry schedule.' })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'not_found', 'service_unavailable')
  replay(@Param('id') id: string, @Query() _query: ReplayWebhookDeliveryRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<WebhookDeliveryView> {
    return this.hub.request<WebhookDeliveryView>(WebhookSubjects.replayDelivery, { domain: key.domain, deliveryId: id });
  }
}
