import { Injectable, Logger } from '@nestjs/common';
import { HistoryItem, HistoryPage } from '@credit-hub/contracts';
import { RequestClient, RequestOutcome } from '@credit-hub/messaging';
import { InjectNats } from '@credit-hub/service-kit';
import { NatsConnection } from 'nats';
import { BillingConfig } from '../billing.config';

/** Page size of history requests (the ledger's maximum). */
const historyPageSize = 200;
/** Pages read at most for one customer: 10,000 events is far more than a dispute needs. */
const historyPagesMax = 50;

/**
 * Billing's requests to the ledger over NATS request/reply (the ledger's queue group), through
 * the shared `RequestClient` on billing's own NATS connection (with its credentials), bounded by
 * LEDGER_REQUEST_TIMEOUT_MS. Billing never reads the ledger's database; dispute evidence comes
 * from `ledger.queries.get-history.v1`.
 */
@Injectable()
export class LedgerClient {
  private readonly logger = new Logger('LedgerClient');
  private readonly client: RequestClient;

  constructor(@InjectNats() nc: NatsConnection, config: BillingConfig) {
    this.client = new RequestClient(nc, { timeoutMs: config.LEDGER_REQUEST_TIMEOUT_MS, logger: this.logger });
  }

  /**
   * The customer's whole history, newest first, paging by cursor (bounded by `historyPagesMax`).
   * Throws when the ledger does not answer or refuses: the caller retries later.
   */
  async history(email: string): Promise<HistoryItem[]> {
    const items: HistoryItem[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < historyPagesMax; page++) {
      const outcome: RequestOutcome<HistoryPage> = await this.client.request('ledger.queries.get-history.v1', { email, limit: historyPageSize, ...(cursor === null ? {} : { cursor }) });
      if (outcome.kind === 'refused') throw new Error(`ledger.queries.get-history.v1 refused: ${outcome.refusal.code} ${outcome.refusal.detail}`);
      if (outcome.kind === 'unavailable') throw new Error(`ledger.queries.get-history.v1 unavailable (${outcome.reason}): ${outcome.detail}`);
      items.push(...outcome.value.items);
      cursor = outcome.value.nextCursor;
      if (cursor === null) return items;
    }
    this.logger.warn(`history of ${email} cut at ${items.length} events`);
    return items;
  }
}
