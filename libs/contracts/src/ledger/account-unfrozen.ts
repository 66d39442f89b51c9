import { AccountFreezeV1 } from './account-frozen';
import { ledgerEventMessage } from './ledger-event';

/** `ledger.events.account-unfrozen.v1`: the dispute closed; data as `AccountFrozen`'s. */
export const AccountUnfrozenMessage = ledgerEventMessage('ledger.events.account-unfrozen.v1', 'AccountUnfrozen', AccountFreezeV1);
