import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BillingSubscriptionSubjects, ReconcileCommand, ReconcileReport, Reply, validatePayload } from '@credit-hub/contracts';
import { ReconcileService } from './reconcile.service';

/** NATS request/reply: `billing.commands.reconcile.v1` → `Reply<ReconcileReport>` (the CLI `npm run reconcile`). */
@Controller()
export class ReconcileController {
  constructor(private readonly reconcile: ReconcileService) {}

  @MessagePattern(BillingSubscriptionSubjects.reconcile)
  async run(@Payload() payload: unknown): Promise<Reply<ReconcileReport>> {
    const command = validatePayload(ReconcileCommand, payload);
    return command.ok ? this.reconcile.reconcile(command.value) : command;
  }
}
