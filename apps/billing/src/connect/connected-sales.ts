import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BillingConfig } from '../billing.config';

/** A payment made on a connected account, and whether its money refunds give the platform's fee back. */
export interface ConnectedSale {
  accountId: string;
  refundApplicationFee: boolean;
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
   * policy of its domain now (`refund_application_fee`); undefined for a platform payment.
   */
  async find(paymentIntentId: string): Promise<ConnectedSale | undefined> {
    const rows: { account_id: string; refund_application_fee: boolean | null }[] = await this.dataSource.query(
      `SELECT account_id, refund_application_fee FROM (
         SELECT s.connected_account_id AS account_id, d.refund_application_fee, 0 AS rank
           FROM checkout_sessions s LEFT JOIN connected_account_domains d ON d.domain = s.domain
          WHERE s.payment_intent_id = $1 AND s.connected_account_id IS NOT NULL
         UNION ALL
         SELECT p.connected_account_id, d.refund_application_fee, 1
           FROM invoice_payments p JOIN subscriptions sub ON sub.id = p.subscription_id
           LEFT JOIN connected_account_domains d ON d.domain = sub.domain
          WHERE p.payment_intent_id = $1 AND p.connected_account_id IS NOT NULL
       ) sales ORDER BY rank LIMIT 1`,
      [paymentIntentId],
    );
    const row = rows[0];
    return row ? { accountId: row.account_id, refundApplicationFee: row.refund_application_fee ?? this.config.CONNECT_REFUND_APPLICATION_FEE } : undefined;
  }
}
