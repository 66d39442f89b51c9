import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BillingConnectSubjects, HandleStripeWebhookCommand, HandleStripeWebhookResult } from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { StripeWebhookResponse } from '../webhooks/stripe-webhook.controller';

/** Longest `Stripe-Signature` header forwarded (the contract's bound). */
const signatureLengthMax = 4096;

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
    if (typeof signature !== 'string' || signature.length === 0 || signature.length > signatureLengthMax) {
      throw new ProblemException({ code: 'webhook_signature_invalid', detail: 'The Stripe-Signature header is missing or too long', field: 'stripe-signature' });
    }
    const raw = request.rawBody;
    if (!raw || raw.length === 0) {
      throw new ProblemException({ code: 'webhook_payload_invalid', detail: 'The body must be the JSON event Stripe sent (Content-Type: application/json)' });
    }
    const command: HandleStripeWebhookCommand = { payloadBase64: raw.toString('base64'), signature };
    const result = await this.hub.request<HandleStripeWebhookResult>(BillingConnectSubjects.handleConnectWebhook, command);
    return { received: true, outcome: result.outcome };
  }
}
