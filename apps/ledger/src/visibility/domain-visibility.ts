import { LotView } from '@credit-hub/contracts';
import { Lot } from '@credit-hub/ledger-domain';

/**
 * What one domain may see of a customer's money. Credits may be spent portfolio-wide, so a domain
 * sees every lot it may spend and every account-wide event that moved the balance; but what the
 * customer paid another domain (price, currency, offering), that domain's payment, refund and
 * dispute references are that builder's business only. Without a domain (operators) nothing is hidden.
 */

/** A lot as `domain` may see it: another domain's purchase without its price, currency or offering. */
export function lotViewForDomain(lot: Lot, view: LotView, domain: string | undefined): LotView {
  if (domain === undefined || lot.domain === domain) return view;
  return { ...view, offeringId: null, amountMinor: null, currency: null };
}

/** Fields of an account-wide event's details another domain may see: credits, lots, times. */
const accountWideFields = new Set(['lotId', 'lotIds', 'credits', 'owedCredits', 'balanceAfter', 'reservationId', 'releasedCredits']);

/**
 * The details of a history item as `domain` may see them. Events on the domain are shown whole. An
 * account-wide event (no domain: a money refund, a claw-back, a freeze, an expiry) is shown whole
 * only when it concerns a lot bought on `domain` (`lotDomain`); otherwise only its credits, lots and
 * times: no amount, currency, payment, checkout, refund, dispute or subscription reference, no reason.
 */
export function historyDetailsForDomain(
  details: Record<string, unknown>,
  item: { domain: string | null; lotDomain: string | null },
  domain: string | undefined,
): Record<string, unknown> {
  if (domain === undefined || item.domain === domain || (item.domain === null && item.lotDomain === domain)) return details;
  return Object.fromEntries(Object.entries(details).filter(([key]) => accountWideFields.has(key) || /At$/.test(key)));
}
