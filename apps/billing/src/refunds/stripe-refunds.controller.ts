import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BillingRefundSubjects, CreateStripeRefundCommand, CreateStripeRefundResult, Reply, validatePayload } from '@credit-hub/contracts';
import { StripeRefundsService } from './stripe-refunds.service';

/** NATS request/reply: `billing.commands.create-refund.v1` → `Reply<CreateStripeRefundResult>`. */
@Controller()
export class StripeRefundsController {
  constructor(private readonly refunds: StripeRefundsService) {}

  @MessagePattern(BillingRefundSubjects.createRefund)
  async createRefund(@Payload() payload: unknown): Promise<Reply<CreateStripeRefundResult>> {
    const command = validatePayload(CreateStripeRefundCommand, payload);
    if (!command.ok) return command;
    return this.refunds.createRefund(command.value);
  }
}
