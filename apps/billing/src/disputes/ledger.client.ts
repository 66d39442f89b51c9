import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { GetHistoryQuery, HistoryItem, HistoryPage, LedgerSubjects } from '@credit-hub/contracts';
import { correlatedPayload } from '@credit-hub/service-kit';
import { BillingConfig } from '../billing.config';

/** Injection token of billing's NATS ClientProxy (requests to the ledger). */
export const BILLING_NATS_CLIENT = Symbol('BILLING_NATS_CLIENT');

/** Page size of history requests (the ledger's maximum). */
const historyPageSize = 200;
/** Pages read at most for one customer: 10,000 events is far more than a dispute needs. */
const historyPagesMax = 50;

/**
 * Billing's requests to the ledger over NATS request/reply (the ledger's queue group). Billing
 * never reads the ledger's database; dispute evidence comes from `LedgerSubjects.getHistory`.
 */
@Injectable()
export class LedgerClient implements OnApplicationBootstrap {
  private readonly logger = new Logger('LedgerClient');

  constructor(
    @Inject(BILLING_NATS_CLIENT) private readonly client: ClientProxy,
    private readonly config: BillingConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.client.connect().catch((error: Error) => this.logger.warn(`NATS not reachable yet: ${error.message}`));
  }

  /**
   * The customer's whole history, newest first, paging by cursor (bounded by `historyPagesMax`).
   * Throws when the ledger does not answer or refuses: the caller retries later.
   */
  async history(email: string): Promise<HistoryItem[]> {
    const items: HistoryItem[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < historyPagesMax; page++) {
      const query: GetHistoryQuery = { email, limit: historyPageSize, ...(cursor === null ? {} : { cursor }) };
      const answer: HistoryPage = await this.request<HistoryPage>(LedgerSubjects.getHistory, query);
      items.push(...answer.items);
      cursor = answer.nextCursor;
      if (cursor === null) return items;
    }
    this.logger.warn(`history of ${email} cut at ${items.length} events`);
    return items;
  }

  private async request<T>(subject: string, payload: object): Promise<T> {
    const reply = await firstValueFrom(this.client.send<unknown>(subject, correlatedPayload(payload)).pipe(timeout(this.config.LEDGER_REQUEST_TIMEOUT_MS)));
    const candidate = reply as { ok?: unknown; value?: unknown; refusal?: { code?: string; detail?: string } } | null;
    if (candidate?.ok === true && 'value' in candidate) return candidate.value as T;
    throw new Error(`${subject} refused: ${candidate?.refusal?.code ?? 'malformed reply'} ${candidate?.refusal?.detail ?? ''}`);
  }
}
