import { BillingEventSubjects, ConnectDomainState, ConnectedAccountStatus, ConnectedAccountUpdatedV1 } from '@credit-hub/contracts';
import { Queryable, writeOutbox } from '@credit-hub/messaging';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';

/** A connected account as billing stores it. */
export interface ConnectedAccountRow {
  account_id: string;
  status: ConnectedAccountStatus;
  charges_enabled: boolean;
  details_submitted: boolean;
  requirements: string[];
  version: number;
  last_event_created: string;
}

/** The Connect terms of one domain: its account (null: never connected) and the platform's fee policy. */
export interface ConnectedDomainRow {
  domain: string;
  account_id: string | null;
  application_fee_bps: number;
  refund_application_fee: boolean;
  status: ConnectedAccountStatus | null;
}

/** The Connect row of `domain` with its account's status, or undefined (the domain sells on the platform). */
export async function connectedDomain(db: Queryable, domain: string): Promise<ConnectedDomainRow | undefined> {
  const rows = (await db.query(
    `SELECT d.domain, d.account_id, d.application_fee_bps, d.refund_application_fee, a.status
       FROM connected_account_domains d LEFT JOIN connected_accounts a ON a.account_id = d.account_id
      WHERE d.domain = $1`,
    [domain],
  )) as ConnectedDomainRow[];
  return rows[0];
}

/** The account `accountId`, locked for the transaction, or undefined. */
export async function loadAccountForUpdate(manager: EntityManager, accountId: string): Promise<ConnectedAccountRow | undefined> {
  const rows: ConnectedAccountRow[] = await manager.query('SELECT * FROM connected_accounts WHERE account_id = $1 FOR UPDATE', [accountId]);
  return rows[0];
}

/** The domains connected to `accountId`, normalised, sorted. */
export async function domainsOfAccount(db: Queryable, accountId: string): Promise<string[]> {
  const rows = (await db.query('SELECT domain FROM connected_account_domains WHERE account_id = $1 ORDER BY domain', [accountId])) as { domain: string }[];
  return rows.map((row) => row.domain);
}

/**
 * Saves the account's state, bumps its version and writes `billing.events.connected-account-updated.v1`
 * to the outbox in the caller's transaction. `messageId`: the Stripe event id, or
 * `onboarding:<accountId>:<version>` for a change made by onboarding.
 */
export async function publishAccountState(
  manager: EntityManager,
  account: Omit<ConnectedAccountRow, 'version' | 'last_event_created'> & { lastEventCreated: number },
  messageId: string | ((version: number) => string),
  at: Date,
): Promise<ConnectedAccountUpdatedV1> {
  const [saved]: { version: number }[] = await manager.query(
    `INSERT INTO connected_accounts (account_id, status, charges_enabled, details_submitted, requirements, version, last_event_created)
     VALUES ($1, $2, $3, $4, $5::jsonb, 1, $6)
     ON CONFLICT (account_id) DO UPDATE SET status = EXCLUDED.status, charges_enabled = EXCLUDED.charges_enabled,
       details_submitted = EXCLUDED.details_submitted, requirements = EXCLUDED.requirements, version = connected_accounts.version + 1,
       last_event_created = GREATEST(connected_accounts.last_event_created, EXCLUDED.last_event_created), updated_at = now()
     RETURNING version`,
    [account.account_id, account.status, account.charges_enabled, account.details_submitted, JSON.stringify(account.requirements), account.lastEventCreated],
  );
  const version = saved?.version ?? 1;
  const payload: ConnectedAccountUpdatedV1 = {
    accountId: account.account_id,
    domains: await domainsOfAccount(manager, account.account_id),
    status: account.status,
    chargesEnabled: account.charges_enabled,
    detailsSubmitted: account.details_submitted,
    at: at.toISOString(),
  };
  const id = typeof messageId === 'string' ? messageId : messageId(version);
  await writeOutbox(manager, [{ messageId: id, subject: BillingEventSubjects.connectedAccountUpdated, payload }]);
  return payload;
}

/** The API view of `domains` (normalised), one entry each, sorted; defaults for domains never connected. */
export async function connectStates(db: Queryable, domains: string[], defaults: { applicationFeeBps: number; refundApplicationFee: boolean }): Promise<ConnectDomainState[]> {
  const rows = (await db.query(
    `SELECT d.domain, d.account_id, d.application_fee_bps, d.refund_application_fee, d.updated_at AS domain_updated_at,
            a.status, a.charges_enabled, a.details_submitted, a.requirements, a.updated_at
       FROM connected_account_domains d LEFT JOIN connected_accounts a ON a.account_id = d.account_id
      WHERE d.domain = ANY($1::text[])`,
    [domains],
  )) as (ConnectedDomainRow & { charges_enabled: boolean | null; details_submitted: boolean | null; requirements: string[] | null; updated_at: Date | null; domain_updated_at: Date })[];
  const byDomain = new Map(rows.map((row) => [row.domain, row]));
  return [...new Set(domains)].sort().map((domain) => {
    const row = byDomain.get(domain);
    return {
      domain,
      accountId: row?.account_id ?? null,
      status: row?.status ?? 'none',
      chargesEnabled: row?.charges_enabled ?? false,
      detailsSubmitted: row?.details_submitted ?? false,
      requirementsDue: row?.requirements ?? [],
      applicationFeeBps: row?.application_fee_bps ?? defaults.applicationFeeBps,
      refundApplicationFee: row?.refund_application_fee ?? defaults.refundApplicationFee,
      updatedAt: row ? (row.updated_at ?? row.domain_updated_at).toISOString() : null,
    };
  });
}

/**
 * Whether Stripe's error says the platform may no longer act on the connected account it was made
 * on: a 403 (`StripePermissionError`) or code `account_invalid`
 * (https://docs.stripe.com/error-codes#account-invalid: the account was deauthorized). Only
 * meaningful for a call made with `Stripe-Account`. A 401 without `account_invalid`
 * (`StripeAuthenticationError`) is not one: it means the platform's own key is wrong, which is
 * fixed by the operator and must not disconnect builders or end refunds.
 */
export function accountRevoked(error: unknown): boolean {
  if (!(error instanceof Stripe.errors.StripeError)) return false;
  return error instanceof Stripe.errors.StripePermissionError || error.code === 'account_invalid';
}

/**
 * Marks `accountId` disconnected (forward only; nothing for an unknown or already disconnected
 * account) and writes `connected-account-updated.v1` (messageId `<prefix>:<accountId>:<version>`),
 * in its own transaction. Used when Stripe refuses the platform an account whose
 * `account.application.deauthorized` never reached billing. Returns whether it changed anything.
 */
export async function markDisconnected(dataSource: DataSource, accountId: string, prefix = 'onboarding'): Promise<boolean> {
  return dataSource.transaction(async (manager) => {
    const current = await loadAccountForUpdate(manager, accountId);
    if (!current || current.status === 'disconnected') return false;
    await publishAccountState(
      manager,
      { account_id: accountId, status: 'disconnected', charges_enabled: current.charges_enabled, details_submitted: current.details_submitted, requirements: current.requirements, lastEventCreated: Number(current.last_event_created) },
      (version) => `${prefix}:${accountId}:${version}`,
      new Date(),
    );
    return true;
  });
}
