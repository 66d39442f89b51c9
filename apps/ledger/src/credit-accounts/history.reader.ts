import { Injectable } from '@nestjs/common';
import { accountStreamId, GetHistoryQuery, HistoryItem, HistoryPage } from '@credit-hub/contracts';
import { CreditAccountStore } from './credit-account.store';
import { historyDetailsForDomain } from '../visibility/domain-visibility';

/**
 * A customer's history, newest first: every event of the account with its signed change and the
 * balance after it (the `ledger_history` projection, written with each append). With `domain`,
 * the events on that domain plus the account-wide ones that have no domain (freezes, holds'
 * releases, expiries), so support sees why a balance moved; an account-wide event about another
 * domain's purchase shows only its credits, lots and times, and another domain's lots appear
 * under opaque ids (`historyDetailsForDomain`).
 */
@Injectable()
export class HistoryReader {
  constructor(private readonly accounts: CreditAccountStore) {}

  async page(query: GetHistoryQuery): Promise<HistoryPage> {
    const limit = query.limit ?? 50;
    const below = query.cursor ? Number(query.cursor.slice(1)) : 2 ** 31 - 1;
    const { rows } = await this.accounts.pool.query(
      `SELECT e.event_id, e.type, e.version, e.occurred_at, e.data, h.domain, h.credits_delta, h.balance_after
         FROM ledger_history h JOIN ledger_events e ON e.event_id = h.event_id
        WHERE h.stream_id = $1 AND h.version < $2 AND ($3::text IS NULL OR h.domain = $3 OR h.domain IS NULL)
        ORDER BY h.version DESC LIMIT $4`,
      [accountStreamId(query.email), below, query.domain ?? null, limit + 1],
    );
    // Which domain each lot of the account belongs to: what a domain may see of another's (visibility).
    const lotDomains = new Map<string, string>();
    if (query.domain !== undefined) {
      const lots = await this.accounts.pool.query('SELECT lot_id, domain FROM ledger_lots WHERE stream_id = $1', [accountStreamId(query.email)]);
      for (const lot of lots.rows) lotDomains.set(lot.lot_id, lot.domain);
    }
    const items: HistoryItem[] = rows.slice(0, limit).map((r) => ({
      eventId: r.event_id,
      type: r.type,
      version: r.version,
      occurredAt: new Date(r.occurred_at).toISOString(),
      domain: r.domain,
      creditsDelta: Number(r.credits_delta),
      balanceAfter: Number(r.balance_after),
      referenceId: r.data.referenceId ?? null,
      actionType: r.data.actionType ?? null,
      details: historyDetailsForDomain(r.data, r.domain, lotDomains, query.domain),
    }));
    const nextCursor = rows.length > limit ? `v${items[items.length - 1].version}` : null;
    return { email: query.email, items, nextCursor };
  }
}
