import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BillingConnectSubjects } from '@credit-hub/contracts';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { forwardStripeWebhook, StripeWebhookResponse } from '../webhooks/stripe-webhook.controller';

/**
 * `POST /webhooks/stripe/connect` (no API key: Stripe signs the body with the Connect endpoint's
 * own secret, which billing holds). Stripe's Connect webhooks carry the events of connected
 * accounts, each with its `account` (https://docs.stripe.com/connect/webhooks). The raw bytes are
 * forwarded as received, base64, with the signature header.
 */
@ApiTags('webhooks')
@Controller('webhooks/stripe')
export class StripeConnectWebhookController {
  constructor(private readonly hub: HubClient) {}

  @Post('connect')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'handleStripeConnectWebhook',
    summary: "Receive Stripe's Connect webhooks",
    description:
      "Stripe's Connect endpoint: events of connected accounts (`account` set), the raw JSON body signed with the Connect endpoint's secret (`Stripe-Signature`, 300 s tolerance). Idempotent per account and event id. An event that names a domain not connected to its account is acknowledged and has no effect. Called by Stripe, not by builders.",
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: 'Stripe signature of the raw body' })
  @ApiOkResponse({ type: StripeWebhookResponse })
  @ApiProblems('webhook_signature_invalid', 'webhook_timestamp_out_of_tolerance', 'webhook_payload_invalid', 'validation_failed', 'payload_too_large', 'service_unavailable')
  async handle(@Req() request: RawBodyRequest<Request>, @Headers('stripe-signature') signature: string | undefined): Promise<StripeWebhookResponse> {
    return forwardStripeWebhook(this.hub, BillingConnectSubjects.handleConnectWebhook, request, signature);
  }
}
