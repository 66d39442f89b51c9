/**
 * NATS subjects and JetStream streams: the addresses services use to talk.
 *
 * Naming: `<service>.<commands|queries|events>.<name>.v<N>`. A change in meaning is a new version
 * (STYLE.md rule 6); old versions stay readable.
 */

/**
 * Optional process-wide namespace (`HUB_NAMESPACE`, letters and digits) so that isolated copies
 * of the system share one NATS server without seeing each other (end-to-end tests, demos):
 * subjects get a `<namespace>.` prefix and stream names a `_<NAMESPACE>` suffix. Empty in production.
 */
export const hubNamespace: string = readNamespace();

function readNamespace(): string {
  const value = (typeof process !== 'undefined' ? process.env['HUB_NAMESPACE'] : undefined) ?? '';
  if (value !== '' && !/^[A-Za-z0-9]{1,32}$/.test(value)) {
    throw new Error(`HUB_NAMESPACE must be 1-32 letters or digits, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Prefixes a subject with the namespace, if any. */
export function subject(name: string): string {
  return hubNamespace ? `${hubNamespace}.${name}` : name;
}

/** Suffixes a stream name with the namespace, if any. */
export function streamName(name: string): string {
  return hubNamespace ? `${name}_${hubNamespace.toUpperCase()}` : name;
}

/** Request/reply subjects served by the ledger (queue group `ledger`). */
export const LedgerSubjects = {
  consumeCredits: subject('ledger.commands.consume-credits.v1'),
  consumeCreditsBatch: subject('ledger.commands.consume-credits-batch.v1'),
  grantCredits: subject('ledger.commands.grant-credits.v1'),
  reserveCredits: subject('ledger.commands.reserve-credits.v1'),
  captureReservation: subject('ledger.commands.capture-reservation.v1'),
  releaseReservation: subject('ledger.commands.release-reservation.v1'),
  refundConsumptions: subject('ledger.commands.refund-consumptions.v1'),
  refundPurchase: subject('ledger.commands.refund-purchase.v1'),
  revertPurchaseRefund: subject('ledger.commands.revert-purchase-refund.v1'),
  freezeAccount: subject('ledger.commands.freeze-account.v1'),
  unfreezeAccount: subject('ledger.commands.unfreeze-account.v1'),
  clawBackPurchase: subject('ledger.commands.claw-back-purchase.v1'),
  suspendPlanCredits: subject('ledger.commands.suspend-plan-credits.v1'),
  resumePlanCredits: subject('ledger.commands.resume-plan-credits.v1'),
  getBalance: subject('ledger.queries.get-balance.v1'),
  getHistory: subject('ledger.queries.get-history.v1'),
  getRefundable: subject('ledger.queries.get-refundable.v1'),
  /** Answered at once with an empty body by every ledger instance: is any ledger there? (the gateway's fail-fast). */
  ping: subject('ledger.ping.v1'),
};

/** Subjects of the events the ledger publishes to stream `LEDGER` (through its outbox). */
export const LedgerEventSubjects = {
  creditsPurchased: subject('ledger.events.credits-purchased.v1'),
  creditsConsumed: subject('ledger.events.credits-consumed.v1'),
};

/** Request/reply subjects served by billing (queue group `billing`). */
export const BillingSubjects = {
  createCheckout: subject('billing.commands.create-checkout.v1'),
  handleStripeWebhook: subject('billing.commands.handle-stripe-webhook.v1'),
};

/** Subjects of the events billing publishes to stream `BILLING` (through its outbox). */
export const BillingEventSubjects = {
  paymentSucceeded: subject('billing.events.payment-succeeded.v1'),
  checkoutCreated: subject('billing.events.checkout-created.v1'),
  planCreditsGranted: subject('billing.events.plan-credits-granted.v1'),
  planCreditsBlocked: subject('billing.events.plan-credits-blocked.v1'),
  planCreditsUnblocked: subject('billing.events.plan-credits-unblocked.v1'),
  subscriptionChanged: subject('billing.events.subscription-changed.v1'),
  trialWillEnd: subject('billing.events.trial-will-end.v1'),
  paymentFailed: subject('billing.events.payment-failed.v1'),
  disputeOpened: subject('billing.events.dispute-opened.v1'),
  disputeClosed: subject('billing.events.dispute-closed.v1'),
  chargeRefundedExternally: subject('billing.events.charge-refunded-externally.v1'),
  connectedAccountUpdated: subject('billing.events.connected-account-updated.v1'),
  applicationFeeRefunded: subject('billing.events.application-fee-refunded.v1'),
};

/** Queue group names: one per serving service, so several instances share the load. */
export const QueueGroups = { ledger: 'ledger', billing: 'billing', refunds: 'refunds', analytics: 'feedback-analytics' };

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
  ledger: { name: streamName('LEDGER'), subjects: [subject('ledger.events.>')], duplicateWindowNanos: twoHoursNanos },
  billing: { name: streamName('BILLING'), subjects: [subject('billing.events.>')], duplicateWindowNanos: twoHoursNanos },
  refunds: { name: streamName('REFUNDS'), subjects: [subject('refunds.events.>')], duplicateWindowNanos: twoHoursNanos },
  /** Entitlement changes, published by billing's outbox. */
  entitlements: { name: streamName('ENTITLEMENTS'), subjects: [subject('entitlements.events.>')], duplicateWindowNanos: twoHoursNanos },
} satisfies Record<string, StreamDefinition>;

/** Message header names we set on NATS/JetStream messages. */
export const MessageHeaders = {
  correlationId: 'X-Correlation-Id',
  eventType: 'X-Event-Type',
};
