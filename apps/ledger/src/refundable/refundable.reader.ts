import { Injectable } from '@nestjs/common';
import {
  accountStreamId, GetRefundableQuery, PurchaseRefundOfferView, RefundableConsumptionView, RefundableLimits, RefundableView,
} from '@credit-hub/contracts';
import { CreditAccount, purchaseRefundOffer, spendableCredits } from '@credit-hub/ledger-domain';
import { checkoutClient } from '@credit-hub/messaging';
import { CreditAccountStore } from '../credit-accounts/credit-account.store';
import { loadAccount } from '../credit-accounts/state-rows';

/**
 * What of a customer's credits can be refunded on one domain, read from the ledger's own
 * projections at this moment (one REPEATABLE READ snapshot, no lock): the consumptions of the
 * window with what each had refunded, and each purchase made on the domain with its money-refund
 * offer from `purchaseRefundOffer` (the function RefundPurchase pays with). A consumption the
 * ledger acknowledged is committed before its answer left, so it is always in this answer.
 */
@Injectable()
export class RefundableReader {
  constructor(private readonly accounts: CreditAccountStore) {}

  async read(query: GetRefundableQuery): Promise<RefundableView> {
    const client = await checkoutClient(this.accounts.pool);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const streamId = accountStreamId(query.email);
      const account = await loadAccount(client, streamId, { spendDomains: [query.domain] }, false);
      const { rows } = await client.query(
        `SELECT event_id, reference_id, action_type, credits, credits_refunded, consumed_at FROM ledger_consumptions
          WHERE stream_id = $1 AND domain = $2 AND consumed_at >= $3
          ORDER BY consumed_at DESC, event_id LIMIT ${RefundableLimits.consumptionsMax}`,
        [streamId, query.domain, query.consumedSince],
      );
      await client.query('ROLLBACK');
      const now = new Date().toISOString();
      const consumptions: RefundableConsumptionView[] = rows.map((r) => ({
        eventId: r.event_id, referenceId: r.reference_id, actionType: r.action_type, credits: Number(r.credits),
        creditsRefunded: Number(r.credits_refunded), consumedAt: new Date(r.consumed_at).toISOString(),
      }));
      return { email: query.email, domain: query.domain, balance: spendableCredits(account, query.domain, now), consumptions, purchases: offers(account, query.domain) };
    } finally {
      client.release();
    }
  }
}

/** The purchases made on `domain` (never another domain's) with what refunding them pays now, newest first. */
function offers(account: CreditAccount, domain: string): PurchaseRefundOfferView[] {
  return account.lots
    .filter((lot) => lot.kind === 'purchased' && lot.domain === domain && lot.checkoutSessionId !== null && lot.currency !== null)
    .sort((a, b) => Date.parse(b.acquiredAt) - Date.parse(a.acquiredAt) || b.acquiredVersion - a.acquiredVersion)
    .map((lot) => {
      const offer = purchaseRefundOffer(lot);
      return {
        lotId: lot.lotId, offeringId: lot.offeringId, creditsInitial: lot.creditsInitial, creditsUnused: offer.credits, amountMinor: offer.amountMinor,
        currency: lot.currency as string, purchasedAt: lot.acquiredAt, expiresAt: lot.expiresAt,
      };
    });
}
