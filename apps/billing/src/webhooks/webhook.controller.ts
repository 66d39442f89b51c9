import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BillingSubjects,
  HandleStripeWebhookCommand,
  HandleStripeWebhookResult,
  Reply,
  validatePayload,
} from '@credit-hub/contracts';
import { WebhookService } from './webhook.service';

/** NATS request/reply: `billing.commands.handle-stripe-webhook.v1` → `Reply<HandleStripeWebhookResult>`. */
@Controller()
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @MessagePattern(BillingSubjects.handleStripeWebhook)
  async handleStripeWebhook(@Payload() payload: unknown): Promise<Reply<HandleStripeWebhookResult>> {
    const command = validatePayload(HandleStripeWebhookCommand, payload);
    if (!command.ok) return command;
    return this.webhooks.handle(command.value);
  }
}
