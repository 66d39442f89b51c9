// Completing a Checkout Session as if the customer paid on the hosted page (the /test completion helper).
// Payment mode: a succeeded payment intent and its charge. Subscription mode: a customer (reused by
// email) and a subscription, trialing or with its first period paid. Then `checkout.session.completed`.
import { recordPayment } from './charges';
import type { StoredCheckoutSession } from './checkout';
import { customerForCheckout } from './customers';
import { StripeApiError } from './errors';
import type { EventContext } from './events';
import { collectEvents, emitEvent } from './events';
import type { CheckoutSession, StripeEvent } from './objects';
import { startSubscription } from './subscriptions';

/** The events a completion stored, in order; `event` is the last one, `checkout.session.completed`. */
export interface CompletionResult {
  event: StripeEvent<CheckoutSession>;
  events: StripeEvent[];
}

/**
 * Completes an open session (`status: 'complete'`, `url: null`, `customer_details.email`) and stores
 * its events: payment mode `checkout.session.completed` only (as before); subscription mode
 * `customer.subscription.created`, `invoice.paid` + `invoice.payment_succeeded` when the first period
 * is charged, then `checkout.session.completed`. Nothing is delivered here. 409 if the session is not open.
 */
export function completeCheckout(app: EventContext, stored: StoredCheckoutSession): CompletionResult {
  const { session } = stored;
  if (session.status !== 'open') {
    throw new StripeApiError(409, 'invalid_request_error', `This Checkout Session is no longer open (status: ${session.status}); it cannot be completed again.`);
  }
  let event: StripeEvent<CheckoutSession> | undefined;
  const events = collectEvents(app.state, () => {
    if (session.mode === 'subscription') completeSubscription(app, stored);
    else completePayment(app, stored);
    event = emitEvent(app, 'checkout.session.completed', session);
  });
  if (!event) throw new Error('completion stored no checkout.session.completed event');
  return { event, events };
}

/** Payment mode: a customer only with `customer` or `customer_creation=always` (Stripe's default makes none). */
function completePayment(app: EventContext, stored: StoredCheckoutSession): void {
  const { session } = stored;
  const wantsCustomer = session.customer !== null || stored.customerCreation === 'always';
  const customer = wantsCustomer ? customerForCheckout(app, session.customer, session.customer_email) : null;
  const { paymentIntent } = recordPayment(app, {
    amount: session.amount_total,
    currency: session.currency,
    customer: customer?.id ?? null,
    description: null,
    metadata: stored.paymentIntentMetadata,
    receiptEmail: session.customer_email ?? customer?.email ?? null,
    paymentMethod: customer?.invoice_settings.default_payment_method ?? null,
    applicationFeeAmount: stored.applicationFeeAmount,
  });
  markComplete(session, 'paid', customer?.email ?? null);
  session.customer = customer?.id ?? null;
  session.payment_intent = paymentIntent.id;
}

/** Subscription mode: metadata is the session's overlaid with `subscription_data[metadata]`. */
function completeSubscription(app: EventContext, stored: StoredCheckoutSession): void {
  const { session } = stored;
  const data = stored.subscriptionData ?? { trialPeriodDays: null, metadata: {}, description: null, applicationFeePercent: null };
  const customer = customerForCheckout(app, session.customer, session.customer_email);
  const { subscription, invoice } = startSubscription(app, {
    customer,
    items: stored.lineItems.map((item) => ({ price: item.price, quantity: item.quantity })),
    trialDays: data.trialPeriodDays,
    metadata: { ...session.metadata, ...data.metadata },
    description: data.description,
    applicationFeePercent: data.applicationFeePercent,
  });
  markComplete(session, invoice ? 'paid' : 'no_payment_required', customer.email);
  session.customer = customer.id;
  session.subscription = subscription.id;
  session.invoice = invoice?.id ?? null;
}

function markComplete(session: CheckoutSession, paymentStatus: CheckoutSession['payment_status'], customerEmail: string | null): void {
  session.status = 'complete';
  session.payment_status = paymentStatus;
  session.url = null;
  session.customer_details = { address: null, business_name: null, email: session.customer_email ?? customerEmail, individual_name: null, name: null, phone: null, tax_exempt: 'none', tax_ids: [] };
}
