import { Module } from '@nestjs/common';
import { BillingController } from './billing.controller';
import { SubscriptionsController } from './subscriptions.controller';

/** Billing over HTTP for domain keys: checkout, the customer's subscriptions and billing portal. */
@Module({ controllers: [BillingController, SubscriptionsController] })
export class BillingEdgeModule {}
