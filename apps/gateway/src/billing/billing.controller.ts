import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BillingSubjects, CreateCheckoutCommand, CreateCheckoutResult, normalizeDomain, normalizeEmail } from '@credit-hub/contracts';
import { ApiKeyGuard, apiKeySecurityScheme } from '../api-keys/api-key.guard';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import { CreateCheckoutRequest, CreateCheckoutResponse } from './checkout.dto';

@ApiTags('billing')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/billing')
export class BillingController {
  constructor(private readonly hub: HubClient) {}

  @Post('checkout')
  @HttpCode(200)
  @ApiOperation({ operationId: 'createCheckout', summary: 'Create a checkout session', description: 'A hosted Stripe Checkout session for an offering of the domain: payment mode for a pack, subscription mode (with the plan\'s trial days) for a plan. Send the customer to `checkoutUrl`; the credits arrive when Stripe reports the payment.' })
  @ApiOkResponse({ type: CreateCheckoutResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'offering_not_found', 'payload_too_large', 'stripe_unavailable', 'service_unavailable')
  async checkout(@Body() body: CreateCheckoutRequest): Promise<CreateCheckoutResponse> {
    const command: CreateCheckoutCommand = {
      domain: normalizeDomain(body.domain),
      offeringId: body.offeringId,
      email: normalizeEmail(body.email),
      successUrl: body.successUrl,
      cancelUrl: body.cancelUrl,
    };
    const result = await this.hub.request<CreateCheckoutResult>(BillingSubjects.createCheckout, command);
    return { checkoutUrl: result.checkoutUrl, sessionId: result.sessionId };
  }
}
