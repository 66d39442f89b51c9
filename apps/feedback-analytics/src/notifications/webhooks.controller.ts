import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreatedWebhookEndpoint,
  CreateWebhookEndpointCommand,
  DeletedWebhookEndpoint,
  DeleteWebhookEndpointCommand,
  ListWebhookDeliveriesQuery,
  ListWebhookEndpointsQuery,
  ReplayWebhookDeliveryCommand,
  Reply,
  validatePayload,
  WebhookDeliveryPage,
  WebhookDeliveryView,
  WebhookEndpointList,
  WebhookSubjects,
} from '@credit-hub/contracts';
import { WebhookDeliveries } from './webhook-deliveries.service';
import { WebhookEndpoints } from './webhook-endpoints.service';

/**
 * Request/reply handlers of the webhook API (queue group `feedback-analytics`), one shape each:
 * validate the contract, then delegate. The gateway puts the API key's domain in every payload.
 */
@Controller()
export class WebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  @MessagePattern(WebhookSubjects.createEndpoint)
  create(@Payload() payload: unknown): Promise<Reply<CreatedWebhookEndpoint>> {
    const command = validatePayload(CreateWebhookEndpointCommand, payload);
    return command.ok ? this.endpoints.create(command.value) : Promise.resolve(command);
  }

  @MessagePattern(WebhookSubjects.listEndpoints)
  list(@Payload() payload: unknown): Promise<Reply<WebhookEndpointList>> {
    const query = validatePayload(ListWebhookEndpointsQuery, payload);
    return query.ok ? this.endpoints.list(query.value) : Promise.resolve(query);
  }

  @MessagePattern(WebhookSubjects.deleteEndpoint)
  delete(@Payload() payload: unknown): Promise<Reply<DeletedWebhookEndpoint>> {
    const command = validatePayload(DeleteWebhookEndpointCommand, payload);
    return command.ok ? this.endpoints.delete(command.value) : Promise.resolve(command);
  }

  @MessagePattern(WebhookSubjects.listDeliveries)
  deliveriesOf(@Payload() payload: unknown): Promise<Reply<WebhookDeliveryPage>> {
    const query = validatePayload(ListWebhookDeliveriesQuery, payload);
    return query.ok ? this.deliveries.list(query.value) : Promise.resolve(query);
  }

  @MessagePattern(WebhookSubjects.replayDelivery)
  replay(@Payload() payload: unknown): Promise<Reply<WebhookDeliveryView>> {
    const command = validatePayload(ReplayWebhookDeliveryCommand, payload);
    return command.ok ? this.deliveries.replay(command.value) : Promise.resolve(command);
  }
}
