import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BillingConfig } from '../billing.config';

/** A payment made on a connected account, and whether its money refunds give the platform's fee back. */
export interface ConnectedSale {
  accountId: string;
  refundApplicationFee: boolean;
  /** The domain that sold it, the amount sold and the fee asked (integer minor units of `currency`; 0: none). */
  domain: string;
  amountMinor: number;
  currency: string;
  applicationFeeMinor: number;
}

/** Which payments billing sold on connected accounts (from its checkout sessions and plan invoice payments). */
@Injectable()
export class ConnectedSales {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: BillingConfig,
  ) {}

  /**
   * The connected account payment intent `paymentIntentId` was made on (billing's sale of it: a
   * pack's checkout session, or a plan invoice's payment in `invoice_payments`) and the refund
   * policy: for a pack, the one frozen on the sale at checkout (`checkout_sessions.refund_application_fee`),
   * so every attempt of one refund sends Stripe the same parameters under the same idempotency
   * key; for a plan payment (and a sale without one), the domain's current policy. A plan payment
   * answers `amountMinor` and `applicationFeeMinor` 0 (its fee is a percentage Stripe applied to
   * the invoice, not recorded here), so no fee refund is published for it. Undefined for a
   * platform payment.
   */
  async find(paymentIntentId: string): Promise<ConnectedSale | undefined> {
    const rows: { account_id: string; refund_application_fee: boolean | null; domain: string; amount_minor: number; currency: string; application_fee_minor: number | null }[] = await this.dataSource.query(
      `SELECT account_id, refund_application_fee, domain, amount_minor, currency, application_fee_minor FROM (
         SELECT s.connected_account_id AS account_id, COALESCE(s.refund_application_fee, d.refund_application_fee) AS refund_application_fee,
                s.domain, s.amount_minor, s.currency, s.application_fee_minor, 0 AS rank
           FROM checkout_sessions s LEFT JOIN connected_account_domains d ON d.domain = s.domain
          WHERE s.payment_intent_id = $1 AND s.connected_account_id IS NOT NULL
         UNION ALL
         SELECT p.connected_account_id, d.refund_application_fee, sub.domain, 0, '', 0, 1
           FROM invoice_payments p JOIN subscriptions sub ON sub.id = p.subscription_id
           LEFT JOIN connected_account_domains d ON d.domain = sub.domain
          WHERE p.payment_intent_id = $1 AND p.connected_account_id IS NOT NULL
       ) sales ORDER BY rank LIMIT 1`,
      [paymentIntentId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      accountId: row.account_id, refundApplicationFee: row.refund_application_fee ?? this.config.CONNECT_REFUND_APPLICATION_FEE,
      domain: row.domain, amountMinor: row.amount_minor, currency: row.currency, applicationFeeMinor: row.application_fee_minor ?? 0,
    };
  }
}
