import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Limits, WebhookDeliveryStatuses, WebhookEventType, WebhookEventTypes, WebhookLimits } from '@credit-hub/contracts';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { DomainField } from '../http/fields';

/**
 * HTTP shapes of the webhook endpoints API, with the same bounds as the contracts the gateway
 * forwards to (libs/contracts analytics/, one file per webhook command), so what the gateway accepts, analytics accepts.
 */

const eventTypesMessage = `eventTypes must be a list of event types among ${WebhookEventTypes.join(', ')}`;
const limitMessage = `limit must be a whole number from 1 to ${WebhookLimits.deliveriesPageSizeMax}`;

/** `POST /api/webhooks/endpoints`. */
export class CreateWebhookEndpointRequest {
  @DomainField({ optional: true })
  domain?: string;

  @ApiProperty({ description: 'Where the hub POSTs the events: http or https', example: 'https://yourproduct.com/webhooks/credit-hub', maxLength: Limits.urlLengthMax })
  @IsString({ message: 'url must be an http(s) URL' })
  @MaxLength(Limits.urlLengthMax, { message: `url must be at most ${Limits.urlLengthMax} characters` })
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'], disallow_auth: true },
    { message: 'url must be an http or https URL without credentials' },
  )
  url!: string;

  @ApiProperty({ description: 'Event types sent to this endpoint', enum: WebhookEventTypes, isArray: true, example: ['credits.low_balance', 'credits.purchased'] })
  @IsArray({ message: eventTypesMessage })
  @ArrayMinSize(1, { message: 'eventTypes must name at least one event type' })
  @ArrayMaxSize(WebhookEventTypes.length, { message: eventTypesMessage })
  @ArrayUnique({ message: 'eventTypes must not repeat an event type' })
  @IsIn(WebhookEventTypes, { each: true, message: eventTypesMessage })
  eventTypes!: WebhookEventType[];

  @ApiPropertyOptional({ description: 'A note for yourself', example: 'production alerts', maxLength: WebhookLimits.descriptionLengthMax })
  @IsOptional()
  @IsString({ message: 'description must be a string' })
  @MaxLength(WebhookLimits.descriptionLengthMax, { message: `description must be at most ${WebhookLimits.descriptionLengthMax} characters` })
  description?: string;
}

/** A registered endpoint (never its secret after creation). */
export class WebhookEndpointResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://yourproduct.com/webhooks/credit-hub' }) url!: string;
  @ApiProperty({ enum: WebhookEventTypes, isArray: true }) eventTypes!: WebhookEventType[];
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** The endpoint just created, with its signing secret: shown this once, store it. */
export class CreatedWebhookEndpointResponse extends WebhookEndpointResponse {
  @ApiProperty({ description: 'Signing secret (Standard Webhooks), shown only in this answer', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret!: string;
}

/** The domain's live endpoints, oldest first. */
export class WebhookEndpointListResponse {
  @ApiProperty({ type: [WebhookEndpointResponse] }) items!: WebhookEndpointResponse[];
}

/** `GET /api/webhooks/endpoints` query: nothing but the optional domain (the key's own). */
export class ListWebhookEndpointsRequest {
  @DomainField({ optional: true })
  domain?: string;
}

/** `DELETE /api/webhooks/endpoints/{id}` answer. */
export class DeletedWebhookEndpointResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer', description: 'Pending deliveries cancelled with the endpoint', example: 0 }) cancelledDeliveries!: number;
}

/** `GET /api/webhooks/endpoints/{id}/deliveries` query. */
export class ListWebhookDeliveriesRequest {
  @DomainField({ optional: true })
  domain?: string;

  @ApiPropertyOptional({ description: 'The previous page’s nextCursor' })
  @IsOptional()
  @IsString({ message: 'cursor must be a cursor returned by a previous page' })
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a cursor returned by a previous page' })
  cursor?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Deliveries per page', minimum: 1, maximum: WebhookLimits.deliveriesPageSizeMax, default: WebhookLimits.deliveriesPageSizeDefault })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: limitMessage })
  @Min(1, { message: limitMessage })
  @Max(WebhookLimits.deliveriesPageSizeMax, { message: limitMessage })
  limit?: number;
}

/** `POST /api/webhooks/deliveries/{id}/replay` query: nothing but the optional domain. */
export class ReplayWebhookDeliveryRequest {
  @DomainField({ optional: true })
  domain?: string;
}

/** One logged HTTP attempt. */
export class WebhookAttemptResponse {
  @ApiProperty({ type: 'integer', example: 1 }) attempt!: number;
  @ApiProperty({ enum: ['scheduled', 'replay'] }) trigger!: 'scheduled' | 'replay';
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: 'integer', example: 84 }) durationMs!: number;
  @ApiProperty({ type: 'integer', nullable: true, description: 'HTTP status answered; null when none came', example: 500 }) responseStatus!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'HTTP 500: upstream error' }) error!: string | null;
  @ApiProperty({ enum: ['succeeded', 'failed'] }) outcome!: 'succeeded' | 'failed';
  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'The retry scheduled after this attempt' }) nextRetryAt!: string | null;
}

/** One event sent to one endpoint; its id is the `webhook-id` header of every attempt. */
export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ example: '3f2c8a4e-5b1d-4c7e-9f0a-2d6e8b1c4a7f', description: 'Id of the event that caused it' }) eventId!: string;
  @ApiProperty({ enum: WebhookEventTypes }) eventType!: WebhookEventType;
  @ApiProperty({ enum: WebhookDeliveryStatuses }) status!: string;
  @ApiProperty({ type: 'integer', example: 3 }) attemptCount!: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) nextAttemptAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) completedAt!: string | null;
  @ApiProperty({ type: [WebhookAttemptResponse] }) attempts!: WebhookAttemptResponse[];
}

/** A page of an endpoint's deliveries, newest first. */
export class WebhookDeliveryPageResponse {
  @ApiProperty({ format: 'uuid' }) endpointId!: string;
  @ApiProperty({ type: [WebhookDeliveryResponse] }) items!: WebhookDeliveryResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}
