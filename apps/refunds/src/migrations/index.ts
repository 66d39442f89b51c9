import { RefundsSchema1732147200000 } from './1732147200000-refunds-schema';

/** The refunds service's migrations, in order (an explicit list: TOOLCHAIN.md pitfall 6). */
export const refundsMigrations = [RefundsSchema1732147200000];
