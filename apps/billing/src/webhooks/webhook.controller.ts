import { Controller, Optional } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BillingSubjects,
  HandleStripeWebhookCommand,
  HandleStripeWebhookResult,
  Reply,
  validatePayload,
} from '@credit-hub/contracts';
import { Metrics } from '@credit-hub/service-kit';
import { Counter } from 'prom-client';
import { WebhookService } from './webhook.service';

/**
 * NATS request/reply: `billing.commands.handle-stripe-webhook.v1` → `Reply<HandleStripeWebhookResult>`.
 * Counts every delivery in `billing_webhook_events_total{type, outcome}`: `type` is the verified
 * event's type (`unknown` for a refusal, e.g. a bad signature: an unverified body's
 * type is never used as a label), `outcome` is processed, duplicate, ignored or the refusal code.
 */
@Controller()
export class WebhookController {
  private readonly outcomes?: Counter<'type' | 'outcome'>;

  /** `metrics` is absent where the module runs without ObservabilityModule (the billing test harness). */
  constructor(
    private readonly webhooks: WebhookService,
    @Optional() metrics?: Metrics,
  ) {
    this.outcomes = metrics?.counter('billing_webhook_events_total', 'Stripe webhook deliveries by event type and outcome', ['type', 'outcome']);
  }

  @MessagePattern(BillingSubjects.handleStripeWebhook)
  async handleStripeWebhook(@Payload() payload: unknown): Promise<Reply<HandleStripeWebhookResult>> {
    const command = validatePayload(HandleStripeWebhookCommand, payload);
    const reply = command.ok ? await this.webhooks.handle(command.value) : command;
    if (reply.ok) this.outcomes?.inc({ type: reply.value.type, outcome: reply.value.outcome });
    else this.outcomes?.inc({ type: 'unknown', outcome: reply.refusal.code });
    return reply;
  }
}
