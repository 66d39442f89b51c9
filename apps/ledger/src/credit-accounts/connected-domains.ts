import { ConnectedAccountUpdatedV1 } from '@credit-hub/contracts';
import { PoolClient } from 'pg';

type Db = Pick<PoolClient, 'query'>;

/**
 * Records a connected account's update in `ledger_connected_domains` (the ledger's current domain
 * → account mapping and its status): every listed domain now maps to the account with its status;
 * the account's other domains keep their mapping and take the status (a disconnection listing no
 * domain keeps them all). Every listed domain is also added to `ledger_connected_domain_accounts`
 * (every account a domain has ever been connected to, never removed), which consume, reserve and
 * balance read when a lot is scoped to an account: credits bought from a builder stay spendable on
 * every domain ever connected to that builder's account, also after it reconnects with a new one.
 * Idempotent, and an update older than the mapping row (`at`) changes only the history, so
 * redelivered or reordered events converge.
 */
export async function recordConnectedAccount(db: Db, update: ConnectedAccountUpdatedV1): Promise<void> {
  const values = [update.accountId, update.status, update.chargesEnabled, update.detailsSubmitted, update.at];
  if (update.domains.length > 0) {
    // The history first, whatever the order of delivery: a domain listed once stays connected to
    // the account for its lots (a stale update still proves the connection existed).
    await db.query(
      `INSERT INTO ledger_connected_domain_accounts (domain, account_id, first_connected_at)
       SELECT d, $1, $2 FROM unnest($3::text[]) AS d
       ON CONFLICT (domain, account_id) DO UPDATE SET first_connected_at = LEAST(ledger_connected_domain_accounts.first_connected_at, EXCLUDED.first_connected_at)`,
      [update.accountId, update.at, update.domains],
    );
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
