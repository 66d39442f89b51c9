import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { Limits } from '../customer';
import { defineMessage, strictly } from '../message';
import { WebhookEventTypes, WebhookEventType, WebhookLimits, CreatedWebhookEndpoint } from './webhook-model';
import { OnDomain } from './webhook-fields';

/** `CreateWebhookEndpoint`: a URL of the domain that receives the listed event types. */
export class CreateWebhookEndpointCommand extends OnDomain {
  @IsString({ message: 'url must be an http(s) URL' })
  @MaxLength(Limits.urlLengthMax, { message: `url must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'], disallow_auth: true },
    { message: 'url must be an http or https URL without credentials' },
  )
  url!: string;

  @IsArray({ message: 'eventTypes must be a list of event types' })
  @ArrayMinSize(1, { message: 'eventTypes must name at least one event type' })
  @ArrayMaxSize(WebhookEventTypes.length, { message: `eventTypes must name at most ${WebhookEventTypes.length} event types` })
  @ArrayUnique({ message: 'eventTypes must not repeat an event type' })
  @IsIn(WebhookEventTypes, { each: true, message: `eventTypes must be among ${WebhookEventTypes.join(', ')}` })
  eventTypes!: WebhookEventType[];

  @IsOptional() @IsString()
  @MaxLength(WebhookLimits.descriptionLengthMax, { message: `description must be at most ${WebhookLimits.descriptionLengthMax} characters` })
  description?: string;
}

/** `analytics.commands.create-webhook-endpoint.v1`: request/reply. */
export const CreateWebhookEndpointMessage = defineMessage<CreateWebhookEndpointCommand, CreatedWebhookEndpoint>()({ name: 'analytics.commands.create-webhook-endpoint.v1', kind: 'command', validate: strictly(CreateWebhookEndpointCommand) });
