import { RefundsSchema1732147200000 } from './1732147200000-refunds-schema';
import { RefundRequests1732233600000 } from './1732233600000-refund-requests';

/** The refunds service's migrations, in order (an explicit list: TOOLCHAIN.md pitfall 6). */
export const refundsMigrations = [RefundsSchema1732147200000, RefundRequests1732233600000];
