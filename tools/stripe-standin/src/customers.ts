// Customers: created by `POST /v1/customers` or by Checkout at completion (reused by email).
import type { Customer } from './billing-objects';
import { invalidRequest, noSuchObject } from './errors';
import type { EventContext } from './events';
import type { FormObject } from './form';
import { stripeId } from './objects';
import { readMetadata, readString } from './params';
import type { StandinState } from './state';

/** The fields a new customer can be given. */
export interface CustomerFields {
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Record<string, string>;
}

/** Keys of `CustomerCreateParams` in stripe-node; those the stand-in does not model are accepted and ignored. */
export const CUSTOMER_CREATE_PARAMS: ReadonlySet<string> = new Set([
  'address', 'balance', 'business_name', 'cash_balance', 'description', 'email', 'expand', 'individual_name',
  'invoice_prefix', 'invoice_settings', 'metadata', 'name', 'next_invoice_sequence', 'payment_method', 'phone',
  'preferred_locales', 'shipping', 'source', 'tax', 'tax_exempt', 'tax_id_data', 'test_clock', 'validate',
]);

/** Reads `POST /v1/customers` params (email, name, description, phone, metadata). */
export function readCustomerFields(params: FormObject): CustomerFields {
  const email = readString(params, 'email') ?? null;
  if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidRequest(`Invalid email address: ${email}`, { code: 'email_invalid', param: 'email' });
  return {
    email,
    name: readString(params, 'name') ?? null,
    description: readString(params, 'description') ?? null,
    phone: readString(params, 'phone') ?? null,
    metadata: readMetadata(params),
  };
}

/** Creates and stores a customer, `created` on the simulated clock. No event (the stand-in emits no `customer.*`). */
export function createCustomer(app: EventContext, fields: CustomerFields): Customer {
  const customer: Customer = {
    id: stripeId('cus_', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: app.clock.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: fields.description,
    email: fields.email,
    invoice_prefix: stripeId('', 8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: fields.metadata,
    name: fields.name,
    next_invoice_sequence: 1,
    phone: fields.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  app.state.customers.set(customer.id, customer);
  return customer;
}

/** The customer `id`; 404 `resource_missing` (or 400 when `status` says it came from a param). */
export function findCustomer(state: StandinState, id: string, param = 'customer', status: 404 | 400 = 404): Customer {
  const customer = state.customers.get(id);
  if (!customer) throw noSuchObject('customer', id, param, status);
  return customer;
}

/** The oldest customer with `email` (case-insensitive), if any. */
export function findCustomerByEmail(state: StandinState, email: string): Customer | undefined {
  const wanted = email.toLowerCase();
  return [...state.customers.values()].find((customer) => customer.email?.toLowerCase() === wanted);
}

/**
 * The customer a completed Checkout Session belongs to: `customer` if the session named one, else the
 * customer with the session's email, else a new one. The card "entered" on the page becomes its
 * default payment method (a `pm_…` id; payment methods are not served).
 */
export function customerForCheckout(app: EventContext, customerId: string | null, email: string | null): Customer {
  const existing = customerId !== null ? findCustomer(app.state, customerId) : email !== null ? findCustomerByEmail(app.state, email) : undefined;
  const customer = existing ?? createCustomer(app, { email, name: null, description: null, phone: null, metadata: {} });
  customer.invoice_settings.default_payment_method ??= stripeId('pm_');
  return customer;
}
