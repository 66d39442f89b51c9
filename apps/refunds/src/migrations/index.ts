import { RefundsSchema1732147200000 } from './1732147200000-refunds-schema';
import { RefundRequests1732233600000 } from './1732233600000-refund-requests';
import { RefundsAskLedger1732320000000 } from './1732320000000-refunds-ask-ledger';

/** The refunds service's migrations, in order (an explicit list: TOOLCHAIN.md pitfall 6). */
export const refundsMigrations = [RefundsSchema1732147200000, RefundRequests1732233600000, RefundsAskLedger1732320000000];
