import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import {
  ConnectOnboardingResult,
  ConnectStateResult,
  GetConnectStateQuery,
  normalizeDomain,
  Reply,
  replyOk,
  replyRefused,
  StartConnectOnboardingCommand,
  UpdateConnectSettingsCommand,
} from '@credit-hub/contracts';
import { BillingConfig } from '../billing.config';
import { InjectStripe } from '../stripe/stripe.client';
import { onAccount } from '../stripe/stripe-account';
import { connectStates, domainsOfAccount, loadAccountForUpdate, markDisconnected, publishAccountState } from './connected-account.store';
import { connectedAccountStatus } from './connect-terms';

/**
 * Whether Stripe's error says the connected account is gone for the platform: a 403 on the
 * account (`account_invalid`: deauthorized) or an unknown account (`resource_missing`).
 */
function accountGone(error: InstanceType<typeof Stripe.errors.StripeError>): boolean {
  return error instanceof Stripe.errors.StripePermissionError || error.code === 'account_invalid' || error.code === 'resource_missing';
}

/** An advisory-lock key per domain: onboardings of one domain run one at a time. */
const lockOf = (domain: string) => `connect-domain:${domain}`;

/**
 * Stripe Connect onboarding and state (https://docs.stripe.com/connect/standard-accounts):
 * - `startOnboarding`: the domains' existing live account, or a new Standard account
 *   (`POST /v1/accounts`, `type=standard`, idempotent per domain set), connected to every domain
 *   named; then a fresh `account_onboarding` link (`POST /v1/account_links`). A change of the
 *   account's domains publishes `connected-account-updated.v1` (`onboarding:<acct>:<version>`).
 *   An account Stripe no longer lets the platform use (deauthorized unseen, or unknown) is marked
 *   disconnected and the domains get a new one.
 *   Refused: `validation_failed` when the domains are connected to two different live accounts,
 *   or a domain is not in the catalog; `stripe_unavailable` when Stripe fails.
 * - `state`: each domain's account, status, flags, requirements and fee terms.
 * - `updateSettings` (operator): the domain's application fee (bps) and refund policy.
 */
@Injectable()
export class ConnectService {
  private readonly logger = new Logger('Connect');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectStripe() private readonly stripe: Stripe,
    private readonly config: BillingConfig,
  ) {}

  async startOnboarding(command: StartConnectOnboardingCommand): Promise<Reply<ConnectOnboardingResult>> {
    const domains = [...new Set(command.domains.map(normalizeDomain))].sort();
    const known: { domain: string }[] = await this.dataSource.query('SELECT domain FROM domains WHERE domain = ANY($1::text[])', [domains]);
    const unknown = domains.filter((domain) => !known.some((row) => row.domain === domain));
    if (unknown.length > 0) return replyRefused('validation_failed', `not in the catalog: ${unknown.join(', ')}`, 'domains');
    for (let attempt = 1; ; attempt++) {
      let connected: { accountId: string; domains: string[]; status: ConnectOnboardingResult['status'] };
      try {
        const outcome = await this.dataSource.transaction((manager) => this.connect(manager, domains));
        if (!outcome.ok) return outcome;
        connected = outcome.value;
      } catch (error) {
        if (!(error instanceof Stripe.errors.StripeError)) throw error;
        this.logger.warn(`Stripe failed to create an account for ${domains.join(', ')}: ${error.type} ${error.message}`);
        return replyRefused('stripe_unavailable', `Stripe could not create the account: ${error.message}`);
      }
      try {
        const link = await this.stripe.accountLinks.create({
          account: connected.accountId, type: 'account_onboarding', return_url: command.returnUrl, refresh_url: command.refreshUrl,
        });
        return replyOk({ accountId: connected.accountId, onboardingUrl: link.url, domains: connected.domains, status: connected.status });
      } catch (error) {
        if (!(error instanceof Stripe.errors.StripeError)) throw error;
        if (attempt === 1 && accountGone(error)) {
          // The account no longer lets the platform in (deauthorized while no webhook reached us, or
          // deleted): it is disconnected, and the domains get a new account on the second pass.
          this.logger.warn(`Stripe no longer knows ${connected.accountId} (${error.code ?? error.type}); disconnecting it and creating a new account`);
          await this.disconnect(connected.accountId);
          continue;
        }
        this.logger.warn(`Stripe failed to create an onboarding link for ${connected.accountId}: ${error.type} ${error.message}`);
        return replyRefused('stripe_unavailable', `Stripe could not create the onboarding link: ${error.message}`);
      }
    }
  }

  /** Marks `accountId` disconnected (forward only) and publishes the change. */
  private async disconnect(accountId: string): Promise<void> {
    await markDisconnected(this.dataSource, accountId);
  }

  async state(query: GetConnectStateQuery): Promise<Reply<ConnectStateResult>> {
    const domains = [...new Set(query.domains.map(normalizeDomain))];
    return replyOk({ domains: await connectStates(this.dataSource, domains, this.defaults()) });
  }

  async updateSettings(command: UpdateConnectSettingsCommand): Promise<Reply<ConnectStateResult>> {
    const domain = normalizeDomain(command.domain);
    const [known]: unknown[] = await this.dataSource.query('SELECT 1 FROM domains WHERE domain = $1', [domain]);
    if (!known) return replyRefused('not_found', `${domain} is not in the catalog`, 'domain');
    const defaults = this.defaults();
    await this.dataSource.query(
      `INSERT INTO connected_account_domains (domain, application_fee_bps, refund_application_fee) VALUES ($1, COALESCE($2::integer, $4::integer), COALESCE($3::boolean, $5::boolean))
       ON CONFLICT (domain) DO UPDATE SET application_fee_bps = COALESCE($2::integer, connected_account_domains.application_fee_bps),
         refund_application_fee = COALESCE($3::boolean, connected_account_domains.refund_application_fee), updated_at = now()`,
      [domain, command.applicationFeeBps ?? null, command.refundApplicationFee ?? null, defaults.applicationFeeBps, defaults.refundApplicationFee],
    );
    this.logger.log(`Connect terms of ${domain} changed (${JSON.stringify({ bps: command.applicationFeeBps, refund: command.refundApplicationFee })})`);
    return replyOk({ domains: await connectStates(this.dataSource, [domain], defaults) });
  }

  /** The fee terms a domain gets when it first connects. */
  defaults(): { applicationFeeBps: number; refundApplicationFee: boolean } {
    return { applicationFeeBps: this.config.CONNECT_APPLICATION_FEE_BPS, refundApplicationFee: this.config.CONNECT_REFUND_APPLICATION_FEE };
  }

  /**
   * In one transaction, under the domains' locks: pick or create the account, map the domains to
   * it. `existing`: a builder's own account connected through Connect OAuth (as Stripe has it now),
   * used instead; refused when a domain is on another live account. Its state is taken from Stripe
   * (a reconnection after a deauthorisation included) and published.
   */
  async connect(manager: EntityManager, domains: string[], existing?: Stripe.Account): Promise<Reply<{ accountId: string; domains: string[]; status: ConnectOnboardingResult['status'] }>> {
    for (const domain of domains) await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockOf(domain)]);
    const current: { domain: string; account_id: string | null; status: string | null }[] = await manager.query(
      `SELECT d.domain, d.account_id, a.status FROM connected_account_domains d LEFT JOIN connected_accounts a ON a.account_id = d.account_id
        WHERE d.domain = ANY($1::text[])`,
      [domains],
    );
    const live = [...new Set(current.filter((row) => row.account_id !== null && row.status !== 'disconnected').map((row) => row.account_id as string))];
    if (live.length > 1) {
      return replyRefused('validation_failed', `these domains are connected to different Stripe accounts (${live.join(', ')}); onboard them separately`, 'domains');
    }
    let accountId = live[0];
    let created = false;
    if (existing !== undefined) {
      if (accountId !== undefined && accountId !== existing.id) {
        return replyRefused('validation_failed', `a domain is connected to another Stripe account (${accountId}); it must be disconnected first`, 'domains');
      }
      const current = await loadAccountForUpdate(manager, existing.id);
      if (current === undefined || current.status === 'disconnected') {
        const chargesEnabled = existing.charges_enabled ?? false;
        const detailsSubmitted = existing.details_submitted ?? false;
        // Events older than this connection (a late deauthorisation of the previous one) stay stale.
        await manager.query(
          `INSERT INTO connected_accounts (account_id, status, charges_enabled, details_submitted, requirements, last_event_created)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6)
           ON CONFLICT (account_id) DO UPDATE SET status = EXCLUDED.status, charges_enabled = EXCLUDED.charges_enabled, details_submitted = EXCLUDED.details_submitted,
             requirements = EXCLUDED.requirements, last_event_created = GREATEST(connected_accounts.last_event_created, EXCLUDED.last_event_created), updated_at = now()`,
          [existing.id, connectedAccountStatus({ chargesEnabled, detailsSubmitted, disconnected: false }), chargesEnabled, detailsSubmitted,
            JSON.stringify(existing.requirements?.currently_due ?? []), Math.floor(Date.now() / 1000) - 1],
        );
        created = true;
      }
      accountId = existing.id;
      this.logger.log(`Stripe account ${accountId} connected through OAuth to ${domains.join(', ')}`);
    } else if (accountId === undefined) {
      // Idempotent per domain set and per disconnected account they had: a retried request reuses the account.
      const previous = current.map((row) => row.account_id ?? '').sort().join(',');
      const account = await this.stripe.accounts.create(
        { type: 'standard', metadata: { domains: domains.join(',').slice(0, 500) } },
        onAccount(null, { idempotencyKey: `connect-account:${domains.join(',')}:${previous}`.slice(0, 255) }),
      );
      accountId = account.id;
      created = true;
      await manager.query(
        `INSERT INTO connected_accounts (account_id, status, charges_enabled, details_submitted, requirements)
         VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (account_id) DO NOTHING`,
        [accountId, connectedAccountStatus({ chargesEnabled: account.charges_enabled ?? false, detailsSubmitted: account.details_submitted ?? false, disconnected: false }),
          account.charges_enabled ?? false, account.details_submitted ?? false, JSON.stringify(account.requirements?.currently_due ?? [])],
      );
      this.logger.log(`Stripe account ${accountId} created for ${domains.join(', ')}`);
    }
    const before = await domainsOfAccount(manager, accountId);
    const defaults = this.defaults();
    for (const domain of domains) {
      await manager.query(
        `INSERT INTO connected_account_domains (domain, account_id, application_fee_bps, refund_application_fee, connected_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (domain) DO UPDATE SET account_id = EXCLUDED.account_id,
           connected_at = CASE WHEN connected_account_domains.account_id IS DISTINCT FROM EXCLUDED.account_id THEN now() ELSE connected_account_domains.connected_at END,
           updated_at = now()`,
        [domain, accountId, defaults.applicationFeeBps, defaults.refundApplicationFee],
      );
    }
    const after = await domainsOfAccount(manager, accountId);
    const [account]: { status: ConnectOnboardingResult['status']; charges_enabled: boolean; details_submitted: boolean; requirements: string[]; last_event_created: string }[] =
      await manager.query('SELECT status, charges_enabled, details_submitted, requirements, last_event_created FROM connected_accounts WHERE account_id = $1 FOR UPDATE', [accountId]);
    if (!account) throw new Error(`connected account ${accountId} vanished inside its transaction`);
    if (created || after.join(',') !== before.join(',')) {
      const id = accountId;
      await publishAccountState(
        manager,
        { account_id: id, status: account.status, charges_enabled: account.charges_enabled, details_submitted: account.details_submitted, requirements: account.requirements, lastEventCreated: Number(account.last_event_created) },
        (version) => `onboarding:${id}:${version}`,
        new Date(),
      );
    }
    return replyOk({ accountId, domains: after, status: account.status });
  }
}
