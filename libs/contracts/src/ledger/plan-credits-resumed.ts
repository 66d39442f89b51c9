import { PlanCreditsSuspensionV1 } from './plan-credits-suspended';
import { ledgerEventMessage } from './ledger-event';

/** `ledger.events.plan-credits-resumed.v1`: the payment is back; data as `PlanCreditsSuspended`'s. */
export const PlanCreditsResumedMessage = ledgerEventMessage('ledger.events.plan-credits-resumed.v1', 'PlanCreditsResumed', PlanCreditsSuspensionV1);
