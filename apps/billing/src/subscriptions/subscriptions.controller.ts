import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  BillingPortalSessionResult, BillingSubscriptionSubjects, CancelSubscriptionCommand, ChangePlanCommand, CreateBillingPortalSessionCommand,
  ListSubscriptionsQuery, Reply, SubscriptionList, SubscriptionView, validatePayload,
} from '@credit-hub/contracts';
import { SubscriptionsService } from './subscriptions.service';

/** NATS request/reply: the customer's subscriptions (list, portal, cancel, change plan). */
@Controller()
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @MessagePattern(BillingSubscriptionSubjects.listSubscriptions)
  async list(@Payload() payload: unknown): Promise<Reply<SubscriptionList>> {
    const query = validatePayload(ListSubscriptionsQuery, payload);
    return query.ok ? this.subscriptions.list(query.value) : query;
  }

  @MessagePattern(BillingSubscriptionSubjects.createPortalSession)
  async portal(@Payload() payload: unknown): Promise<Reply<BillingPortalSessionResult>> {
    const command = validatePayload(CreateBillingPortalSessionCommand, payload);
    return command.ok ? this.subscriptions.portal(command.value) : command;
  }

  @MessagePattern(BillingSubscriptionSubjects.cancelSubscription)
  async cancel(@Payload() payload: unknown): Promise<Reply<SubscriptionView>> {
    const command = validatePayload(CancelSubscriptionCommand, payload);
    return command.ok ? this.subscriptions.cancel(command.value) : command;
  }

  @MessagePattern(BillingSubscriptionSubjects.changePlan)
  async changePlan(@Payload() payload: unknown): Promise<Reply<SubscriptionView>> {
    const command = validatePayload(ChangePlanCommand, payload);
    return command.ok ? this.subscriptions.changePlan(command.value) : command;
  }
}
