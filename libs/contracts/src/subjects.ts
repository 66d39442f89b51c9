/**
 * NATS subjects and JetStream streams: the addresses services use to talk.
 *
 * Naming: `<service>.<commands|queries|events>.<name>.v<N>`. A change in meaning is a new version
 * (STYLE.md rule 6); old versions stay readable.
 */

/** Request/reply subjects served by the ledger (queue group `ledger`). */
export const LedgerSubjects = {
  consumeCredits: 'ledger.commands.consume-credits.v1',
  getBalance: 'ledger.queries.get-balance.v1',
} as const;

/** Subjects of the events the ledger publishes to stream `LEDGER` (through its outbox). */
export const LedgerEventSubjects = {
  creditsPurchased: 'ledger.events.credits-purchased.v1',
  creditsConsumed: 'ledger.events.credits-consumed.v1',
} as const;

/** Request/reply subjects served by billing (queue group `billing`). */
export const BillingSubjects = {
  createCheckout: 'billing.commands.create-checkout.v1',
  handleStripeWebhook: 'billing.commands.handle-stripe-webhook.v1',
} as const;

/** Subjects of the events billing publishes to stream `BILLING` (through its outbox). */
export const BillingEventSubjects = {
  paymentSucceeded: 'billing.events.payment-succeeded.v1',
} as const;

/** Queue group names: one per serving service, so several instances share the load. */
export const QueueGroups = { ledger: 'ledger', billing: 'billing', refunds: 'refunds' } as const;

/** Definition of one JetStream stream; storage is always `file`. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
  /** Window in which JetStream drops a second message with the same `Nats-Msg-Id`, in nanoseconds. */
  duplicateWindowNanos: number;
}

const twoHoursNanos = 2 * 60 * 60 * 1_000_000_000;

/** The JetStream streams of the system. Every service ensures the streams it uses at boot. */
export const Streams = {
  ledger: { name: 'LEDGER', subjects: ['ledger.events.>'], duplicateWindowNanos: twoHoursNanos },
  billing: { name: 'BILLING', subjects: ['billing.events.>'], duplicateWindowNanos: twoHoursNanos },
  refunds: { name: 'REFUNDS', subjects: ['refunds.events.>'], duplicateWindowNanos: twoHoursNanos },
} as const satisfies Record<string, StreamDefinition>;

/** Message header names we set on NATS/JetStream messages. */
export const MessageHeaders = {
  correlationId: 'X-Correlation-Id',
  eventType: 'X-Event-Type',
} as const;
