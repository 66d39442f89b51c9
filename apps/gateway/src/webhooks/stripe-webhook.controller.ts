import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { BillingSubjects, HandleStripeWebhookCommand, HandleStripeWebhookResult } from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import type { RawBodyRequest } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';

/** Longest `Stripe-Signature` header forwarded (the contract's bound). */
const signatureLengthMax = 4096;

/**
 * Forwards a Stripe webhook to billing on `subject`: the raw body as received, base64, with the
 * `Stripe-Signature` header (billing verifies it). Throws ProblemException 400
 * webhook_signature_invalid (header missing or over 4,096 characters) or webhook_payload_invalid
 * (no raw body) before sending anything; the hub's refusals as HubClient raises them.
 */
export async function forwardStripeWebhook(
  hub: HubClient,
  subject: string,
  request: RawBodyRequest<FastifyRequest>,
  signature: string | undefined,
): Promise<StripeWebhookResponse> {
  if (typeof signature !== 'string' || signature.length === 0 || signature.length > signatureLengthMax) {
    throw new ProblemException({ code: 'webhook_signature_invalid', detail: 'The Stripe-Signature header is missing or too long', field: 'stripe-signature' });
  }
  const raw = request.rawBody;
  if (!raw || raw.length === 0) {
    throw new ProblemException({ code: 'webhook_payload_invalid', detail: 'The body must be the JSON event Stripe sent (Content-Type: application/json)' });
  }
  const command: HandleStripeWebhookCommand = { payloadBase64: raw.toString('base64'), signature };
  const result = await hub.request<HandleStripeWebhookResult>(subject, command);
  return { received: true, outcome: result.outcome };
}

/** Acknowledgement Stripe gets for a webhook billing accepted. */
export class StripeWebhookResponse {
  @ApiProperty({ enum: [true] }) received!: true;
  @ApiProperty({ enum: ['processed', 'duplicate', 'ignored'] }) outcome!: HandleStripeWebhookResult['outcome'];
}

/**
 * `POST /webhooks/stripe` (no API key: Stripe signs the body). The raw bytes are forwarded as
 * received, base64, with the signature header; billing verifies and handles the event.
 */
@ApiTags('webhooks')
@Controller('webhooks')
export class StripeWebhookController {
  constructor(private readonly hub: HubClient) {}

  @Post('stripe')
  @HttpCode(200)
  @ApiOperation({ operationId: 'handleStripeWebhook', summary: 'Receive Stripe\'s webhooks', description: 'Stripe\'s webhook endpoint: the raw JSON body signed by Stripe (`Stripe-Signature`, 300 s tolerance). Idempotent on the Stripe event id: a duplicate answers `outcome: duplicate`. Called by Stripe, not by builders.' })
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: 'Stripe signature of the raw body' })
  @ApiOkResponse({ type: StripeWebhookResponse })
  @ApiProblems('webhook_signature_invalid', 'webhook_timestamp_out_of_tolerance', 'webhook_payload_invalid', 'validation_failed', 'payload_too_large', 'service_unavailable')
  async handle(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('stripe-signature') signature: string | undefined,
  ): Promise<StripeWebhookResponse> {
    return forwardStripeWebhook(this.hub, BillingSubjects.handleStripeWebhook, request, signature);
  }
}
