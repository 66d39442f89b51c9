import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BillingSubjects, CreateCheckoutCommand, CreateCheckoutResult, Reply, validatePayload } from '@credit-hub/contracts';
import { CheckoutService } from './checkout.service';

/** NATS request/reply: `billing.commands.create-checkout.v1` → `Reply<CreateCheckoutResult>`. */
@Controller()
export class CheckoutController {
  constructor(private readonly checkout: CheckoutService) {}

  @MessagePattern(BillingSubjects.createCheckout)
  async createCheckout(@Payload() payload: unknown): Promise<Reply<CreateCheckoutResult>> {
    const command = validatePayload(CreateCheckoutCommand, payload);
    if (!command.ok) return command;
    return this.checkout.createCheckout(command.value);
  }
}
