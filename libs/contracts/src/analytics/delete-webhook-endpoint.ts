import { IsString, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { DeletedWebhookEndpoint } from './webhook-model';
import { uuidPattern, OnDomain } from './webhook-fields';

/** `DeleteWebhookEndpoint`: stops deliveries to an endpoint of the domain; its pending deliveries are cancelled. */
export class DeleteWebhookEndpointCommand extends OnDomain {
  @IsString() @Matches(uuidPattern, { message: 'endpointId must be a UUID' })
  endpointId!: string;
}

/** `analytics.commands.delete-webhook-endpoint.v1`: request/reply. */
export const DeleteWebhookEndpointMessage = defineMessage<DeleteWebhookEndpointCommand, DeletedWebhookEndpoint>()({ name: 'analytics.commands.delete-webhook-endpoint.v1', kind: 'command', validate: strictly(DeleteWebhookEndpointCommand) });
