import { IsString, Matches } from 'class-validator';
import { defineMessage, strictly } from '../message';
import { WebhookDeliveryView } from './webhook-model';
import { uuidPattern, OnDomain } from './webhook-fields';

/** `ReplayWebhookDelivery`: send a delivery of the domain again now, with a fresh retry schedule. */
export class ReplayWebhookDeliveryCommand extends OnDomain {
  @IsString() @Matches(uuidPattern, { message: 'deliveryId must be a UUID' })
  deliveryId!: string;
}

/** `analytics.commands.replay-webhook-delivery.v1`: request/reply. */
export const ReplayWebhookDeliveryMessage = defineMessage<ReplayWebhookDeliveryCommand, WebhookDeliveryView>()({ name: 'analytics.commands.replay-webhook-delivery.v1', kind: 'command', validate: strictly(ReplayWebhookDeliveryCommand) });
