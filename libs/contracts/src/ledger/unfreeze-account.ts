import { defineMessage, strictly } from '../message';
import { AccountChangeResult } from './command-fields';
import { AccountDisputeCommand } from './freeze-account';

/** `UnfreezeAccount` (the dispute closed), body as `FreezeAccount`'s: request/reply, queue group `ledger`. */
export const UnfreezeAccountMessage = defineMessage<AccountDisputeCommand, AccountChangeResult>()({ name: 'ledger.commands.unfreeze-account.v1', kind: 'command', validate: strictly(AccountDisputeCommand) });
