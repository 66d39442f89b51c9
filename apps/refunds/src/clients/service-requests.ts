import { Injectable, Logger } from '@nestjs/common';
import { ErrorCodes, MessageBySubject, Refusal, RequestName } from '@credit-hub/contracts';
import { RequestClient, RequestOutcome } from '@credit-hub/messaging';
import { InjectNats } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { RefundsConfig } from '../refunds.config';

/**
 * What a request to another service came to. `unavailable`: no answer (timeout, no responders,
 * connection lost, a remote crash): the effect is unknown, so the caller retries the same
 * idempotent command later. `refused`: an answer with a named code.
 */
export type Outcome<T> = RequestOutcome<T>;

/** Whether a refusal can turn into success when the same command is sent again. */
export function retryable(refusal: Refusal): boolean {
  return ErrorCodes[refusal.code]?.retryable ?? true;
}

/** Names of the ledger's and billing's requests the refunds service sends. */
type LedgerRequest = Extract<RequestName, `ledger.${string}`>;
type BillingRequest = Extract<RequestName, `billing.${string}`>;

/**
 * Request/reply to the ledger and billing (their queue groups) through the shared `RequestClient`
 * on the service's own NATS connection (with its credentials), each bounded by its own timeout.
 */
@Injectable()
export class ServiceRequests {
  private readonly ledgerClient: RequestClient;
  private readonly billingClient: RequestClient;

  constructor(@InjectNats() nc: NatsConnection, config: RefundsConfig) {
    const logger = new Logger('ServiceRequests');
    this.ledgerClient = new RequestClient(nc, { timeoutMs: config.LEDGER_REQUEST_TIMEOUT_MS, logger });
    // A Stripe call with retries behind it.
    this.billingClient = new RequestClient(nc, { timeoutMs: config.BILLING_REQUEST_TIMEOUT_MS, logger });
  }

  /** A request to the ledger, bounded by LEDGER_REQUEST_TIMEOUT_MS. */
  ledger<N extends LedgerRequest>(name: N, body: MessageBySubject[N]) {
    return this.ledgerClient.request(name, body);
  }

  /** A request to billing, bounded by BILLING_REQUEST_TIMEOUT_MS (a Stripe call with retries). */
  billing<N extends BillingRequest>(name: N, body: MessageBySubject[N]) {
    return this.billingClient.request(name, body);
  }
}
