import { PaymentSucceededV1 } from '@credit-hub/contracts';
import { NatsConnection } from 'nats';
import { Pool } from 'pg';
import { count, nsStream, nsSubject, sleep } from './harness';

/**
 * Credits for the bench's accounts, bought the way billing announces a paid checkout: one
 * `billing.events.payment-succeeded.v1` per account on stream BILLING (Nats-Msg-Id = the Stripe
 * event id), which the ledger's durable consumer `ledger-payments` turns into `CreditsPurchased`.
 * Much faster than a checkout per account through the gateway and the Stripe stand-in, and the
 * same path from the ledger's side.
 */
export async function fundAccounts(nc: NatsConnection, namespace: string, runId: string, accounts: { email: string; credits: number }[]): Promise<void> {
  const js = nc.jetstream();
  const subject = nsSubject(namespace, 'billing.events.payment-succeeded.v1');
  await Promise.all(
    accounts.map(async ({ email, credits }, index) => {
      const payment: PaymentSucceededV1 = {
        stripeEventId: `evt_${runId}_${index}`,
        checkoutSessionId: `cs_${runId}_${index}`,
        paymentIntentId: `pi_${runId}_${index}`,
        domain: 'demo.localhost',
        offeringId: 'bench_funding',
        email,
        credits,
        amountMinor: 0,
        currency: 'usd',
        scopeDomain: null,
        paidAt: new Date().toISOString(),
      };
      await js.publish(subject, Buffer.from(JSON.stringify(payment)), { msgID: payment.stripeEventId, expect: { streamName: nsStream(namespace, 'BILLING') } });
    }),
  );
}

/** Waits until every account has its credits in the ledger's balance projection. */
export async function waitFunded(ledger: Pool, emails: string[], timeoutMs: number): Promise<void> {
  const streamIds = emails.map((email) => `account-${email}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const funded = await count(ledger, 'SELECT count(*) FROM ledger_accounts WHERE stream_id = ANY($1::text[]) AND balance > 0', [streamIds]);
    if (funded === streamIds.length) return;
    if (Date.now() > deadline) throw new Error(`only ${funded} of ${streamIds.length} bench accounts were credited after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** The balance of one account in the ledger's projection. */
export async function balanceOf(ledger: Pool, email: string): Promise<number> {
  return (await accountState(ledger, email)).balance;
}

/** Version and balance of one account in the ledger's projection. */
export async function accountState(ledger: Pool, email: string): Promise<{ version: number; balance: number }> {
  const result = await ledger.query<{ version: number; balance: string }>('SELECT version, balance FROM ledger_accounts WHERE stream_id = $1', [`account-${email}`]);
  return { version: Number(result.rows[0]?.version ?? Number.NaN), balance: Number(result.rows[0]?.balance ?? Number.NaN) };
}

/** CreditsConsumed events of one account after `version`, from the event store: how many, and their credits. */
export async function consumedSince(ledger: Pool, email: string, version: number): Promise<{ events: number; credits: number }> {
  const result = await ledger.query<{ events: string; credits: string }>(
    `SELECT count(*) AS events, coalesce(sum((data->>'credits')::bigint), 0) AS credits
       FROM ledger_events WHERE stream_id = $1 AND version > $2 AND type = 'CreditsConsumed'`,
    [`account-${email}`, version],
  );
  return { events: Number(result.rows[0].events), credits: Number(result.rows[0].credits) };
}
