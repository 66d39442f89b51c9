import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BillingPortalSessionResult, BillingSubscriptionSubjects, CancelSubscriptionCommand, ChangePlanCommand, CreateBillingPortalSessionCommand,
  ListSubscriptionsQuery, normalizeDomain, normalizeEmail, SubscriptionList, SubscriptionView,
} from '@credit-hub/contracts';
import { ApiKeyGuard, apiKeySecurityScheme, CurrentApiKey } from '../api-keys/api-key.guard';
import { ApiKeyRecord } from '../api-keys/api-keys';
import { ApiProblems } from '../http/problem-docs';
import { HubClient } from '../nats/hub-client';
import {
  BillingPortalRequest, BillingPortalResponse, CancelSubscriptionRequest, ChangePlanRequest, ListSubscriptionsRequest, SubscriptionListResponse,
  SubscriptionPath, SubscriptionResponse,
} from './subscriptions.dto';

/**
 * Plans on the domain's behalf: the customer's subscriptions, Stripe's billing portal (plan
 * switch, cancellation, card, invoices: zero billing UI on the product's side), cancel and change
 * plan. Billing acts only for the customer (email) a subscription was sold to on this domain.
 */
@ApiTags('billing')
@ApiBearerAuth(apiKeySecurityScheme)
@UseGuards(ApiKeyGuard)
@Controller('api/billing')
export class SubscriptionsController {
  constructor(private readonly hub: HubClient) {}

  @Post('portal')
  @HttpCode(200)
  @ApiOperation({ operationId: 'createBillingPortalSession', summary: 'Create a billing portal session', description: 'A Stripe customer portal session for the customer\'s own subscriptions on the domain; send the customer to `url`.' })
  @ApiOkResponse({ type: BillingPortalResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'not_found', 'payload_too_large', 'stripe_unavailable', 'service_unavailable')
  portal(@Body() body: BillingPortalRequest): Promise<BillingPortalSessionResult> {
    const command: CreateBillingPortalSessionCommand = { email: normalizeEmail(body.email), domain: normalizeDomain(body.domain), returnUrl: body.returnUrl };
    return this.hub.request<BillingPortalSessionResult>(BillingSubscriptionSubjects.createPortalSession, command);
  }

  @Get('subscriptions')
  @ApiOperation({ operationId: 'listSubscriptions', summary: 'List a customer\'s subscriptions', description: 'The customer\'s subscriptions on the key\'s domain: status, trial, period, grace, blocked plan credits.' })
  @ApiOkResponse({ type: SubscriptionListResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'service_unavailable')
  list(@Query() query: ListSubscriptionsRequest, @CurrentApiKey() key: ApiKeyRecord): Promise<SubscriptionList> {
    const request: ListSubscriptionsQuery = { email: normalizeEmail(query.email), domain: key.domain };
    return this.hub.request<SubscriptionList>(BillingSubscriptionSubjects.listSubscriptions, request);
  }

  @Post('subscriptions/:subscriptionId/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelSubscription', summary: 'Cancel a subscription', description: 'Cancel, by the customer who owns it (else 403 subscription_not_owned): at the period end (default; during a trial: never charged) or now.' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'not_found', 'payload_too_large', 'stripe_unavailable', 'service_unavailable')
  cancel(@Param() path: SubscriptionPath, @Body() body: CancelSubscriptionRequest): Promise<SubscriptionView> {
    const command: CancelSubscriptionCommand = {
      subscriptionId: path.subscriptionId,
      email: normalizeEmail(body.email),
      domain: normalizeDomain(body.domain),
      ...(body.atPeriodEnd === undefined ? {} : { atPeriodEnd: body.atPeriodEnd }),
    };
    return this.hub.request<SubscriptionView>(BillingSubscriptionSubjects.cancelSubscription, command);
  }

  @Post('subscriptions/:subscriptionId/change-plan')
  @HttpCode(200)
  @ApiOperation({ operationId: 'changeSubscriptionPlan', summary: 'Change the plan of a subscription', description: 'Switch to another plan of the domain, by the customer who owns it (from the next invoice).' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiProblems('validation_failed', 'unauthorized', 'forbidden_domain', 'not_found', 'offering_not_found', 'payload_too_large', 'stripe_unavailable', 'service_unavailable')
  changePlan(@Param() path: SubscriptionPath, @Body() body: ChangePlanRequest): Promise<SubscriptionView> {
    const command: ChangePlanCommand = {
      subscriptionId: path.subscriptionId,
      email: normalizeEmail(body.email),
      domain: normalizeDomain(body.domain),
      offeringId: body.offeringId,
    };
    return this.hub.request<SubscriptionView>(BillingSubscriptionSubjects.changePlan, command);
  }
}
