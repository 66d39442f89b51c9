import { Controller, Logger, Optional } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  CreatePortalSessionCommand,
  GetPortalViewQuery,
  GetRefundRequestQuery,
  ListRefundRequestsQuery,
  PortalSession,
  PortalView,
  RefundRequestPage,
  RefundRequestView,
  RefundsSubjects,
  Reply,
  replyRefused,
  RequestRefundCommand,
  RequestRefundResult,
  ReviewRefundCommand,
  validatePayload,
} from '@credit-hub/contracts';
import { dataErrorOf, Metrics } from '@credit-hub/service-kit';
import { Histogram } from 'prom-client';
import { RefundRequestsService } from './refund-requests.service';

/**
 * The refunds service's request/reply handlers (NATS, queue group `refunds`), all one shape:
 * validate the payload against its contract, delegate, answer a `Reply`. A failure caused by the
 * data (service-kit `dataErrorOf`) is a `validation_failed` refusal; any other unexpected failure
 * (database down) is a retryable `service_unavailable`; the cause is logged.
 */
@Controller()
export class RefundsHandlers {
  private readonly logger = new Logger('RefundsHandlers');

  private readonly latency?: Histogram<'kind' | 'outcome'>;

  constructor(
    private readonly refunds: RefundRequestsService,
    @Optional() metrics?: Metrics,
  ) {
    // Metrics exist when booted by bootService (tests may start the module bare).
    this.latency = metrics?.histogram('refunds_request_duration_seconds', 'Refund request latency in the refunds service, by kind and outcome (the status, or the refusal code)', ['kind', 'outcome'], [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
  }

  @MessagePattern(RefundsSubjects.createPortalSession)
  createPortalSession(@Payload() payload: unknown): Promise<Reply<PortalSession>> {
    return this.handle('create portal session', CreatePortalSessionCommand, payload, async (command) => this.refunds.createPortalSession(command));
  }

  @MessagePattern(RefundsSubjects.getPortalView)
  portalView(@Payload() payload: unknown): Promise<Reply<PortalView>> {
    return this.handle('portal view', GetPortalViewQuery, payload, (query) => this.refunds.portalView(query));
  }

  @MessagePattern(RefundsSubjects.requestRefund)
  async requestRefund(@Payload() payload: unknown): Promise<Reply<RequestRefundResult>> {
    const stop = this.latency?.startTimer();
    const reply = await this.handle('request refund', RequestRefundCommand, payload, (command) => this.refunds.requestRefund(command));
    const kind = (payload as { kind?: unknown } | null)?.kind === 'money' ? 'money' : 'credits';
    stop?.({ kind, outcome: reply.ok ? reply.value.request.status : reply.refusal.code });
    return reply;
  }

  @MessagePattern(RefundsSubjects.listRefundRequests)
  list(@Payload() payload: unknown): Promise<Reply<RefundRequestPage>> {
    return this.handle('list refund requests', ListRefundRequestsQuery, payload, (query) => this.refunds.list(query));
  }

  @MessagePattern(RefundsSubjects.getRefundRequest)
  get(@Payload() payload: unknown): Promise<Reply<RefundRequestView>> {
    return this.handle('get refund request', GetRefundRequestQuery, payload, (query) => this.refunds.get(query));
  }

  @MessagePattern(RefundsSubjects.reviewRefund)
  review(@Payload() payload: unknown): Promise<Reply<RefundRequestView>> {
    return this.handle('review refund', ReviewRefundCommand, payload, (command) => this.refunds.review(command));
  }

  private async handle<C extends object, T>(what: string, cls: new () => C, payload: unknown, work: (command: C) => Promise<Reply<T>>): Promise<Reply<T>> {
    const validated = validatePayload(cls, payload);
    if (!validated.ok) return { ok: false, refusal: validated.refusal };
    try {
      return await work(validated.value);
    } catch (error) {
      // Caused by the data (SQLSTATE class 22, class 23 but 23505): bad input, never a retryable outage.
      const dataError = dataErrorOf(error);
      if (dataError) return replyRefused('validation_failed', dataError.detail);
      this.logger.error(`${what} failed: ${(error as Error).message}`, (error as Error).stack);
      return replyRefused('service_unavailable', `the refunds service could not ${what}; retry shortly`);
    }
  }
}
