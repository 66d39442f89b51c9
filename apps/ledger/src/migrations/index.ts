import { LedgerSchema1732060800000 } from './1732060800000-ledger-schema';
import { LedgerProjections1732147200000 } from './1732147200000-ledger-projections';
import { LedgerSnapshots1732233600000 } from './1732233600000-ledger-snapshots';
import { LedgerRefundable1732320000000 } from './1732320000000-ledger-refundable';
import { LedgerConnectedAccounts1796947200000 } from './1796947200000-ledger-connected-accounts';
import { LedgerConnectedDomainAccounts1797120000000 } from './1797120000000-ledger-connected-domain-accounts';

/** The ledger's migrations, in order (an explicit list: TOOLCHAIN.md pitfall 6). */
export const ledgerMigrations = [LedgerSchema1732060800000, LedgerProjections1732147200000, LedgerSnapshots1732233600000, LedgerRefundable1732320000000, LedgerConnectedAccounts1796947200000, LedgerConnectedDomainAccounts1797120000000];
