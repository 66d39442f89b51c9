import { Injectable, Logger } from '@nestjs/common';
import { BillingEventSubjects, normalizeDomain, normalizeEmail, PaymentSucceededV1, Streams } from '@credit-hub/contracts';
import { ConsumedMessage, DurableConsumerOptions } from '@credit-hub/messaging';
import { InjectNats, Lifecycle, ManagedDurableConsumer } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { CreditAccountStore } from './credit-account.store';

/** Durable consumer name (and inbox key) of the ledger on stream BILLING. */
export const paymentsConsumerName = 'ledger-payments';

/**
 * Turns `billing.events.payment-succeeded.v1` into `CreditsPurchased`, exactly once per Stripe
 * event (inbox) and per checkout session (purchase record). A malformed message is logged and
 * acknowledged: retrying cannot make it valid.
 */
@Injectable()
export class PaymentsConsumer extends ManagedDurableConsumer {
  private readonly logger = new Logger('PaymentsConsumer');

  constructor(
    @InjectNats() nc: NatsConnection,
    private readonly accounts: CreditAccountStore,
    lifecycle: Lifecycle,
  ) {
    super(nc, lifecycle);
  }

  protected consumerOptions(): Omit<DurableConsumerOptions, 'nc' | 'handler'> {
    return {
      stream: Streams.billing.name,
      durable: paymentsConsumerName,
      filterSubject: BillingEventSubjects.paymentSucceeded,
      maxDeliver: 20,
      ackWaitMs: 30_000,
      batchSizeMax: 100,
    };
  }

  override async handle(message: ConsumedMessage<unknown>): Promise<void> {
    const payment = parsePaymentSucceeded(message.body);
    if (typeof payment === 'string') {
      this.logger.error(`ignoring malformed payment ${message.messageId}: ${payment}`);
      return;
    }
    const appended = await this.accounts.purchase(payment, paymentsConsumerName, message.messageId);
    this.logger.log(
      `${appended ? 'credited' : 'already credited'} ${payment.credits} credits to ${payment.email} for ${payment.checkoutSessionId}`,
    );
  }
}

/**
 * Validates a PaymentSucceededV1 body. Returns the normalised payment, or a sentence naming the
 * first bad field.
 */
export function parsePaymentSucceeded(body: unknown): PaymentSucceededV1 | string {
  const b = body as Record<string, unknown>;
  if (!b || typeof b !== 'object') return 'body is not an object';
  const strings = ['stripeEventId', 'checkoutSessionId', 'domain', 'offeringId', 'email', 'currency', 'paidAt'] as const;
  for (const key of strings) if (typeof b[key] !== 'string' || (b[key] as string).length === 0) return `${key} must be a string`;
  for (const key of ['credits', 'amountMinor'] as const) {
    if (!Number.isSafeInteger(b[key]) || (b[key] as number) < 0) return `${key} must be a non-negative integer`;
  }
  if ((b['credits'] as number) === 0) return 'credits must be positive';
  if (Number.isNaN(Date.parse(b['paidAt'] as string))) return 'paidAt must be an ISO time';
  return {
    stripeEventId: b['stripeEventId'] as string,
    checkoutSessionId: b['checkoutSessionId'] as string,
    paymentIntentId: typeof b['paymentIntentId'] === 'string' ? (b['paymentIntentId'] as string) : null,
    domain: normalizeDomain(b['domain'] as string),
    offeringId: b['offeringId'] as string,
    email: normalizeEmail(b['email'] as string),
    credits: b['credits'] as number,
    amountMinor: b['amountMinor'] as number,
    currency: (b['currency'] as string).toLowerCase(),
    scopeDomain: typeof b['scopeDomain'] === 'string' ? normalizeDomain(b['scopeDomain'] as string) : null,
    paidAt: new Date(b['paidAt'] as string).toISOString(),
  };
}
