import { Controller, Logger } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { GetRefundableQuery, LedgerSubjects, RefundableView, Reply, replyOk, replyRefused, validatePayload } from '@credit-hub/contracts';
import { RefundableReader } from './refundable.reader';

/**
 * `ledger.queries.get-refundable.v1` → `Reply<RefundableView>` (queue group `ledger`): the refunds
 * service's one source for the portal page and every refund decision. Validate, read, answer; an
 * unexpected failure (database down) is a retryable refusal, its cause logged.
 */
@Controller()
export class RefundableHandler {
  private readonly logger = new Logger('RefundableHandler');

  constructor(private readonly reader: RefundableReader) {}

  @MessagePattern(LedgerSubjects.getRefundable)
  async refundable(@Payload() payload: unknown): Promise<Reply<RefundableView>> {
    const validated = validatePayload(GetRefundableQuery, payload);
    if (!validated.ok) return { ok: false, refusal: validated.refusal };
    try {
      return replyOk(await this.reader.read(validated.value));
    } catch (error) {
      this.logger.error(`refundable query failed: ${(error as Error).message}`, (error as Error).stack);
      return replyRefused('service_unavailable', 'the ledger could not read the refundable credits; retry shortly');
    }
  }
}
