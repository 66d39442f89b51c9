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

/** Which payments billing sold on connected accounts (from its checkout sessions). */
@Injectable()
export class ConnectedSales {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: BillingConfig,
  ) {}

  /**
   * The connected account payment intent `paymentIntentId` was made on (billing's sale of it) and
   * the refund policy frozen on the sale at checkout (`checkout_sessions.refund_application_fee`),
   * so every attempt of one refund sends Stripe the same parameters under the same idempotency
   * key; the domain's current policy only for a sale without one. Undefined for a platform payment.
   */
  async find(paymentIntentId: string): Promise<ConnectedSale | undefined> {
    const rows: { account_id: string; refund_application_fee: boolean | null; domain: string; amount_minor: number; currency: string; application_fee_minor: number | null }[] = await this.dataSource.query(
      `SELECT s.connected_account_id AS account_id, COALESCE(s.refund_application_fee, d.refund_application_fee) AS refund_application_fee,
              s.domain, s.amount_minor, s.currency, s.application_fee_minor
         FROM checkout_sessions s LEFT JOIN connected_account_domains d ON d.domain = s.domain
        WHERE s.payment_intent_id = $1 AND s.connected_account_id IS NOT NULL LIMIT 1`,
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
