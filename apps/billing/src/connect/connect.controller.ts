import { Controller, Optional } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BillingConnectSubjects,
  ConnectOnboardingResult,
  ConnectStateResult,
  GetConnectStateQuery,
  HandleStripeWebhookCommand,
  HandleStripeWebhookResult,
  Reply,
  StartConnectOnboardingCommand,
  UpdateConnectSettingsCommand,
  validatePayload,
} from '@credit-hub/contracts';
import { Metrics } from '@credit-hub/service-kit';
import { Counter } from 'prom-client';
import { WebhookService } from '../webhooks/webhook.service';
import { ConnectService } from './connect.service';

/**
 * NATS request/reply of Stripe Connect: onboarding, state, the operator's per-domain terms, and the
 * Connect webhook endpoint's deliveries (counted in `billing_connect_webhook_events_total{type, outcome}`).
 */
@Controller()
export class ConnectController {
  private readonly outcomes?: Counter<'type' | 'outcome'>;

  constructor(
    private readonly connect: ConnectService,
    private readonly webhooks: WebhookService,
    @Optional() metrics?: Metrics,
  ) {
    this.outcomes = metrics?.counter('billing_connect_webhook_events_total', 'Stripe Connect webhook deliveries by event type and outcome', ['type', 'outcome']);
  }

  @MessagePattern(BillingConnectSubjects.startOnboarding)
  async startOnboarding(@Payload() payload: unknown): Promise<Reply<ConnectOnboardingResult>> {
    const command = validatePayload(StartConnectOnboardingCommand, payload);
    return command.ok ? this.connect.startOnboarding(command.value) : command;
  }

  @MessagePattern(BillingConnectSubjects.getConnectState)
  async state(@Payload() payload: unknown): Promise<Reply<ConnectStateResult>> {
    const query = validatePayload(GetConnectStateQuery, payload);
    return query.ok ? this.connect.state(query.value) : query;
  }

  @MessagePattern(BillingConnectSubjects.updateConnectSettings)
  async updateSettings(@Payload() payload: unknown): Promise<Reply<ConnectStateResult>> {
    const command = validatePayload(UpdateConnectSettingsCommand, payload);
    return command.ok ? this.connect.updateSettings(command.value) : command;
  }

  @MessagePattern(BillingConnectSubjects.handleConnectWebhook)
  async handleConnectWebhook(@Payload() payload: unknown): Promise<Reply<HandleStripeWebhookResult>> {
    const command = validatePayload(HandleStripeWebhookCommand, payload);
    const reply = command.ok ? await this.webhooks.handleConnect(command.value) : command;
    if (reply.ok) this.outcomes?.inc({ type: reply.value.type, outcome: reply.value.outcome });
    else this.outcomes?.inc({ type: 'unknown', outcome: reply.refusal.code });
    return reply;
  }
}
