import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { ErrorCodes, Refusal } from '@credit-hub/contracts';
import { correlatedPayload } from '@credit-hub/service-kit';
import { firstValueFrom, timeout } from 'rxjs';
import { RefundsConfig } from '../refunds.config';

/** Injection token of the NATS ClientProxy the refunds service sends requests with. */
export const REFUNDS_NATS_CLIENT = Symbol('REFUNDS_NATS_CLIENT');

/**
 * What a request to another service came to. `unavailable`: no answer (timeout, no responders,
 * connection lost, a remote crash): the effect is unknown, so the caller retries the same
 * idempotent command later. `refused`: an answer with a named code.
 */
export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'refused'; refusal: Refusal } | { kind: 'unavailable'; detail: string };

/** Whether a refusal can turn into success when the same command is sent again. */
export function retryable(refusal: Refusal): boolean {
  return ErrorCodes[refusal.code]?.retryable ?? true;
}

/** Request/reply to the ledger and billing over NATS (Nest's transport, their queue groups). */
@Injectable()
export class ServiceRequests implements OnApplicationBootstrap {
  private readonly logger = new Logger('ServiceRequests');

  constructor(
    @Inject(REFUNDS_NATS_CLIENT) private readonly client: ClientProxy,
    private readonly config: RefundsConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.client.connect().catch((error: Error) => this.logger.warn(`NATS not reachable yet: ${error.message}`));
  }

  /** A request to the ledger, bounded by LEDGER_REQUEST_TIMEOUT_MS. */
  ledger<T>(subject: string, payload: object): Promise<Outcome<T>> {
    return this.request<T>(subject, payload, this.config.LEDGER_REQUEST_TIMEOUT_MS);
  }

  /** A request to billing, bounded by BILLING_REQUEST_TIMEOUT_MS (a Stripe call with retries). */
  billing<T>(subject: string, payload: object): Promise<Outcome<T>> {
    return this.request<T>(subject, payload, this.config.BILLING_REQUEST_TIMEOUT_MS);
  }

  private async request<T>(subject: string, payload: object, timeoutMs: number): Promise<Outcome<T>> {
    let reply: unknown;
    try {
      reply = await firstValueFrom(this.client.send<unknown>(subject, correlatedPayload(payload)).pipe(timeout(timeoutMs)));
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
      this.logger.warn(`${subject} did not answer: ${detail}`);
      return { kind: 'unavailable', detail };
    }
    const candidate = reply as { ok?: unknown; value?: unknown; refusal?: Refusal } | null;
    if (candidate?.ok === true && 'value' in candidate) return { kind: 'ok', value: candidate.value as T };
    if (candidate?.ok === false && candidate.refusal && Object.hasOwn(ErrorCodes, candidate.refusal.code)) {
      return { kind: 'refused', refusal: candidate.refusal };
    }
    this.logger.error(`${subject} answered in an unexpected form: ${JSON.stringify(reply)?.slice(0, 500)}`);
    return { kind: 'unavailable', detail: 'malformed reply' };
  }
}
