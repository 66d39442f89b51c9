import { Injectable, Logger } from '@nestjs/common';
import {
  accountStreamId,
  BalanceView,
  ConsumeCreditsCommand,
  ConsumeCreditsResult,
  EventMetadata,
  LedgerEvent,
  LedgerEventEnvelope,
  LedgerEventTypeSubjects,
  MessageHeaders,
  PaymentSucceededV1,
  Reply,
  replyOk,
  replyRefused,
} from '@credit-hub/contracts';
import { CreditAccount, decideConsume, decidePurchase, evolve, invariantViolations, spendableCredits } from '@credit-hub/ledger-domain';
import { claimInbox, writeOutbox } from '@credit-hub/messaging';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { appendToStream } from './event-store';
import { loadAccount, LoadNeeds, lockOrCreateAccount, lotToView, writeProjection } from './projection';

/** Attempts of one command when the database reports a conflict (unique violation, deadlock, serialization). */
const attemptsMax = 5;
const retryableSqlStates = new Set(['23505', '40001', '40P01']);

/**
 * The credit accounts: load state under the account's row lock, decide (pure domain), then append
 * events, write the projections and the outbox rows in the same transaction (Emmett's handler
 * shape: load, decide, append, retry on conflict). Concurrent commands on one account are
 * serialised by the row lock, so they never overdraw.
 */
@Injectable()
export class CreditAccountStore {
  private readonly logger = new Logger('CreditAccounts');
  private readonly pool: Pool;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  /**
   * Consumes credits. Returns `{balance, eventId, repeated}`, or a refusal:
   * `insufficient_credits` (nothing written) or `reference_conflict` (same `(domain, referenceId)`
   * with other credits, actionType or customer).
   */
  async consume(command: ConsumeCreditsCommand): Promise<Reply<ConsumeCreditsResult>> {
    const streamId = accountStreamId(command.email);
    const needs: LoadNeeds = { consumption: { domain: command.domain, referenceId: command.referenceId } };
    return this.withAccount(streamId, needs, async (client, account, now) => {
      const decision = decideConsume({ ...command, now }, account);
      switch (decision.outcome) {
        case 'repeated':
          return replyOk({ balance: decision.balance, eventId: decision.eventId, repeated: true });
        case 'rejected':
          return replyRefused(decision.code, refusalDetail(decision.code, command));
        case 'accepted': {
          const [envelope] = await this.append(client, streamId, account, decision.events, now, {
            correlationId: command.correlationId,
            causationId: `${command.domain}/${command.referenceId}`,
          });
          return replyOk({ balance: account.balance, eventId: envelope.eventId, repeated: false });
        }
      }
    });
  }

  /**
   * Turns a paid checkout into `CreditsPurchased`, once: the inbox keyed by the Stripe event id and
   * the purchase record keyed by the checkout session id are written in the same transaction.
   * Returns the number of events appended (0 for a repeat).
   */
  async purchase(payment: PaymentSucceededV1, inboxConsumer: string, messageId: string): Promise<number> {
    const streamId = accountStreamId(payment.email);
    return this.withAccount(
      streamId,
      { checkoutSessionId: payment.checkoutSessionId },
      async (client, account, now) => {
        if (!(await claimInbox(client, inboxConsumer, messageId))) return 0;
        const events = decidePurchase({ payment, now }, account);
        await this.append(client, streamId, account, events, now, { causationId: payment.stripeEventId });
        return events.length;
      },
      (client) => lockOrCreateAccount(client, streamId, payment.email),
    );
  }

  /** The customer's balance (spendable on `domain` when given) and lots; no lock taken. */
  async balance(email: string, domain: string | undefined): Promise<BalanceView> {
    const client = await this.pool.connect();
    try {
      const account = await loadAccountUnlocked(client, accountStreamId(email));
      const now = new Date().toISOString();
      const balance = domain ? spendableCredits(account.lots, domain, now) : account.balance;
      return { email, balance, lots: account.lots.map(lotToView) };
    } finally {
      client.release();
    }
  }

  /** Appends, evolves the loaded state, checks invariants, writes projections and the outbox. */
  private async append(
    client: PoolClient,
    streamId: string,
    account: CreditAccount,
    events: LedgerEvent[],
    now: string,
    metadata: EventMetadata,
  ): Promise<LedgerEventEnvelope[]> {
    const envelopes = await appendToStream(client, streamId, account.version, events, now, metadata);
    for (const envelope of envelopes) evolve(account, { ...envelope, eventId: envelope.eventId } as never);
    const violations = invariantViolations(account);
    if (violations.length > 0) throw new Error(`invariant broken on ${streamId}: ${violations.join('; ')}`);
    await writeProjection(client, envelopes, account);
    await writeOutbox(
      client,
      envelopes.map((envelope) => ({
        messageId: envelope.eventId,
        subject: LedgerEventTypeSubjects[envelope.type],
        payload: envelope,
        headers: {
          [MessageHeaders.eventType]: envelope.type,
          ...(metadata.correlationId ? { [MessageHeaders.correlationId]: metadata.correlationId } : {}),
        },
      })),
    );
    return envelopes;
  }

  /** Runs `work` in a transaction on the locked account, retrying database conflicts a bounded number of times. */
  private async withAccount<T>(
    streamId: string,
    needs: LoadNeeds,
    work: (client: PoolClient, account: CreditAccount, now: string) => Promise<T>,
    before?: (client: PoolClient) => Promise<void>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        if (before) await before(client);
        const account = await loadAccount(client, streamId, needs);
        const result = await work(client, account, new Date().toISOString());
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code ?? '';
        if (!retryableSqlStates.has(code) || attempt >= attemptsMax) throw error;
        this.logger.debug(`retrying ${streamId} after ${code} (attempt ${attempt})`);
      } finally {
        client.release();
      }
    }
  }
}

async function loadAccountUnlocked(client: PoolClient, streamId: string): Promise<CreditAccount> {
  // One snapshot for the account row and its lots: a read-only repeatable-read transaction.
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await loadAccount(client, streamId, {}, false);
  } finally {
    await client.query('ROLLBACK');
  }
}

function refusalDetail(code: 'insufficient_credits' | 'reference_conflict', command: ConsumeCreditsCommand): string {
  return code === 'insufficient_credits'
    ? `${command.email} does not have ${command.credits} credits spendable on ${command.domain}`
    : `referenceId ${command.referenceId} was already used on ${command.domain} with other credits, actionType or customer`;
}
