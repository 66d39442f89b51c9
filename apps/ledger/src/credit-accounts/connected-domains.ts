import { ConnectedAccountStatus, ConnectedAccountUpdatedV1, connectedAccountIdPattern, Limits, normalizeDomain } from '@credit-hub/contracts';
import { PoolClient } from 'pg';

type Db = Pick<PoolClient, 'query'>;

const statuses: readonly ConnectedAccountStatus[] = ['onboarding', 'ready', 'restricted', 'disconnected'];
const hostPattern = /^[a-z0-9.-]+$/;
/** Domains one account update may list (a builder's portfolio; far above any real one). */
const domainsPerAccountMax = 1000;

/**
 * Validates a `ConnectedAccountUpdatedV1` body. Returns the update with its domains normalised
 * (lower case, deduplicated), or a sentence naming the first bad field.
 */
export function parseConnectedAccountUpdated(body: unknown): ConnectedAccountUpdatedV1 | string {
  const b = body as Record<string, unknown>;
  if (!b || typeof b !== 'object') return 'body is not an object';
  if (typeof b['accountId'] !== 'string' || !connectedAccountIdPattern.test(b['accountId'])) return 'accountId must be a Stripe account id (acct_…)';
  if (!Array.isArray(b['domains']) || b['domains'].length > domainsPerAccountMax) return `domains must be an array of at most ${domainsPerAccountMax} host names`;
  const domains: string[] = [];
  for (const raw of b['domains']) {
    if (typeof raw !== 'string') return 'domains must be host names';
    const domain = normalizeDomain(raw);
    if (domain.length === 0 || domain.length > Limits.domainLengthMax || !hostPattern.test(domain)) return `domain ${JSON.stringify(raw).slice(0, 80)} is not a host name`;
    if (!domains.includes(domain)) domains.push(domain);
  }
  if (!statuses.includes(b['status'] as ConnectedAccountStatus)) return `status must be one of ${statuses.join(', ')}`;
  if (typeof b['chargesEnabled'] !== 'boolean' || typeof b['detailsSubmitted'] !== 'boolean') return 'chargesEnabled and detailsSubmitted must be booleans';
  if (typeof b['at'] !== 'string' || Number.isNaN(Date.parse(b['at']))) return 'at must be an ISO time';
  return {
    accountId: b['accountId'], domains, status: b['status'] as ConnectedAccountStatus,
    chargesEnabled: b['chargesEnabled'], detailsSubmitted: b['detailsSubmitted'], at: new Date(b['at']).toISOString(),
  };
}

/**
 * Records a connected account's update in `ledger_connected_domains` (the ledger's domain →
 * account mapping, read by consume, reserve and balance when a lot is scoped to an account):
 * every listed domain now maps to the account with its status; the account's other domains keep
 * their mapping and take the status (a disconnection listing no domain keeps them all, so credits
 * bought from that builder stay spendable only on its domains). Idempotent, and an update older
 * than the row (`at`) changes nothing, so redelivered or reordered events converge.
 */
export async function recordConnectedAccount(db: Db, update: ConnectedAccountUpdatedV1): Promise<void> {
  const values = [update.accountId, update.status, update.chargesEnabled, update.detailsSubmitted, update.at];
  if (update.domains.length > 0) {
    await db.query(
      `INSERT INTO ledger_connected_domains (domain, account_id, status, charges_enabled, details_submitted, updated_at)
       SELECT d, $1, $2, $3, $4, $5 FROM unnest($6::text[]) AS d
       ON CONFLICT (domain) DO UPDATE SET account_id = EXCLUDED.account_id, status = EXCLUDED.status, charges_enabled = EXCLUDED.charges_enabled,
         details_submitted = EXCLUDED.details_submitted, updated_at = EXCLUDED.updated_at
       WHERE ledger_connected_domains.updated_at <= EXCLUDED.updated_at`,
      [...values, update.domains],
    );
  }
  await db.query(
    `UPDATE ledger_connected_domains SET status = $2, charges_enabled = $3, details_submitted = $4, updated_at = $5
      WHERE account_id = $1 AND NOT (domain = ANY($6::text[])) AND updated_at <= $5`,
    [...values, update.domains],
  );
}
