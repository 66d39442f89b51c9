import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConnectedAccountStatus } from '@credit-hub/contracts';
import { asObject } from '../stripe/stripe-objects';
import { Outcome, StripeEventHandler } from '../webhooks/stripe-event-handler';
import { VerifiedStripeEvent } from '../webhooks/webhook-verification';
import { loadAccountForUpdate, publishAccountState } from './connected-account.store';
import { connectedAccountStatus } from './connect-terms';

/**
 * The state of connected accounts, from their Connect events (https://docs.stripe.com/connect/webhooks):
 * - `account.updated`: `charges_enabled`, `details_submitted` and `requirements.currently_due` of
 *   the account (`event.account`, which must be the object's own id). Applied forward only (an
 *   event older than the last applied one changes nothing); a disconnected account stays
 *   disconnected until the builder onboards again.
 * - `account.application.deauthorized`: the builder disconnected the platform: `disconnected`
 *   (checkouts of its domains are then refused with `connected_account_disconnected`).
 * Each change of status or flags publishes `billing.events.connected-account-updated.v1`
 * (messageId = the Stripe event id). An account billing never connected is ignored.
 */
@Injectable()
export class AccountEventsHandler implements StripeEventHandler {
  private readonly logger = new Logger('ConnectAccounts');
  readonly types = ['account.updated', 'account.application.deauthorized'] as const;

  async handle(manager: EntityManager, event: VerifiedStripeEvent): Promise<Outcome> {
    const accountId = event.account;
    if (accountId === undefined) return 'ignored'; // a platform event: not a connected account's
    const current = await loadAccountForUpdate(manager, accountId);
    if (!current) {
      this.logger.warn(`${event.type} ${event.id} for ${accountId}: not an account billing connected; ignored`);
      return 'ignored';
    }
    if (current.status === 'disconnected' || event.created < Number(current.last_event_created)) return 'ignored';
    let next: { status: ConnectedAccountStatus; charges_enabled: boolean; details_submitted: boolean; requirements: string[] };
    if (event.type === 'account.application.deauthorized') {
      next = { status: 'disconnected', charges_enabled: current.charges_enabled, details_submitted: current.details_submitted, requirements: current.requirements };
    } else {
      const account = event.data.object;
      if (account['object'] !== 'account' || account['id'] !== accountId) {
        this.logger.warn(`${event.id}: account.updated from ${accountId} carries another object; ignored`);
        return 'ignored';
      }
      const charges = account['charges_enabled'] === true;
      const details = account['details_submitted'] === true;
      const due = asObject(account['requirements'])?.['currently_due'];
      const requirements = Array.isArray(due) ? due.filter((item): item is string => typeof item === 'string').slice(0, 100) : [];
      next = { status: connectedAccountStatus({ chargesEnabled: charges, detailsSubmitted: details, disconnected: false }), charges_enabled: charges, details_submitted: details, requirements };
    }
    const changed = next.status !== current.status || next.charges_enabled !== current.charges_enabled || next.details_submitted !== current.details_submitted
      || JSON.stringify(next.requirements) !== JSON.stringify(current.requirements);
    if (!changed) {
      await manager.query('UPDATE connected_accounts SET last_event_created = GREATEST(last_event_created, $2) WHERE account_id = $1', [accountId, event.created]);
      return 'processed';
    }
    await publishAccountState(manager, { account_id: accountId, ...next, lastEventCreated: event.created }, event.id, new Date(event.created * 1000));
    this.logger.log(`connected account ${accountId}: ${current.status} → ${next.status}`);
    return 'processed';
  }
}
