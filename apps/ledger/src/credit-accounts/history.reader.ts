import { Injectable } from '@nestjs/common';
import { accountStreamId, GetHistoryQuery, HistoryItem, HistoryPage } from '@credit-hub/contracts';
import { CreditAccountStore } from './credit-account.store';

/**
 * A customer's history, newest first: every event of the account with its signed change and the
 * balance after it (the `ledger_history` projection, written with each append). With `domain`,
 * the events on that domain plus the account-wide ones that have no domain (freezes, holds'
 * releases, expiries), so support sees why a balance moved.
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
      details: r.data,
    }));
    const nextCursor = rows.length > limit ? `v${items[items.length - 1].version}` : null;
    return { email: query.email, items, nextCursor };
  }
}
