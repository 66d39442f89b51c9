import { BillingSchema1732060900000 } from './1732060900000-billing-schema';

/** Billing's migrations, in order (an explicit list, never a glob). */
export const billingMigrations = [BillingSchema1732060900000];
