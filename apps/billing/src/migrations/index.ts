import { BillingSchema1732060900000 } from './1732060900000-billing-schema';
import { SubscriptionsDisputes1732600000000 } from './1732600000000-subscriptions-disputes';
import { Entitlements1763683200000 } from './1763683200000-entitlements';
import { ConnectedAccounts1796860800000 } from './1796860800000-connected-accounts';
import { InvoicePayments1797120000000 } from './1797120000000-invoice-payments';
import { ConnectOAuthStates1797206400000 } from './1797206400000-connect-oauth-states';
import { SaleRefundFeePolicy1797292800000 } from './1797292800000-sale-refund-fee-policy';

/** Billing's migrations, in order (an explicit list, never a glob). */
export const billingMigrations = [BillingSchema1732060900000, SubscriptionsDisputes1732600000000, Entitlements1763683200000, ConnectedAccounts1796860800000, InvoicePayments1797120000000, ConnectOAuthStates1797206400000, SaleRefundFeePolicy1797292800000];
