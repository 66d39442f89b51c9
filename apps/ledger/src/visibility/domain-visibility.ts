import { createHash } from 'node:crypto';
import { LotView } from '@credit-hub/contracts';
import { Lot } from '@credit-hub/ledger-domain';

/**
 * What one domain may see of a customer's money. Credits may be spent portfolio-wide, so a domain
 * sees every lot it may spend and every account-wide event that moved the balance; but what the
 * customer paid another domain (price, currency, offering) and that domain's payment, checkout,
 * refund and dispute references are that builder's business only. A purchase's lot id holds its
 * Stripe checkout session id (`lot_cs_…`), so another domain's lot is shown under an opaque id
 * (stable: the same lot has the same id in the balance and the history). Without a domain
 * (operators, the refunds service's own reads) nothing is hidden.
 */

/** The id `domain` sees for a lot of `lotDomain`: the lot id itself, or an opaque stand-in for another domain's lot. */
export function lotIdForDomain(lotId: string, lotDomain: string | null | undefined, domain: string | undefined): string {
  if (domain === undefined || lotDomain === domain) return lotId;
  return `lot_other_${createHash('sha256').update(lotId).digest('hex').slice(0, 32)}`;
}

/** A lot as `domain` may see it: another domain's lot under an opaque id, without its price, currency or offering. */
export function lotViewForDomain(lot: Lot, view: LotView, domain: string | undefined): LotView {
  if (domain === undefined || lot.domain === domain) return view;
  return { ...view, lotId: lotIdForDomain(lot.lotId, lot.domain, domain), offeringId: null, amountMinor: null, currency: null };
}

/** Fields of an account-wide event's details another domain may see: credits, lots, times. */
const accountWideFields = new Set(['lotId', 'lotIds', 'credits', 'owedCredits', 'balanceAfter', 'reservationId', 'releasedCredits', 'draws']);

/**
 * The details of a history item as `domain` may see them. Events on the domain are shown whole,
 * and so is an account-wide event (no domain: a money refund, a claw-back, a freeze, an expiry) about
 * a lot bought on `domain`. Any other account-wide event shows only its credits, lots and times: no
 * amount, currency, payment, checkout, refund, dispute or subscription reference, no reason. Lot
 * ids of other domains' lots are replaced everywhere (`lotIdForDomain`). `lotDomains`: the
 * account's lots and the domain each was bought or granted on.
 */
export function historyDetailsForDomain(
  details: Record<string, unknown>,
  itemDomain: string | null,
  lotDomains: ReadonlyMap<string, string>,
  domain: string | undefined,
): Record<string, unknown> {
  if (domain === undefined) return details;
  const lotDomain = typeof details['lotId'] === 'string' ? lotDomains.get(details['lotId']) : undefined;
  const whole = itemDomain === domain || (itemDomain === null && lotDomain === domain);
  const kept = whole ? details : Object.fromEntries(Object.entries(details).filter(([key]) => accountWideFields.has(key) || /At$/.test(key)));
  const seen = (lotId: unknown) => (typeof lotId === 'string' ? lotIdForDomain(lotId, lotDomains.get(lotId), domain) : lotId);
  const shown: Record<string, unknown> = { ...kept };
  if ('lotId' in shown) shown['lotId'] = seen(shown['lotId']);
  if (Array.isArray(shown['lotIds'])) shown['lotIds'] = shown['lotIds'].map(seen);
  if (Array.isArray(shown['draws'])) shown['draws'] = (shown['draws'] as Record<string, unknown>[]).map((draw) => ({ ...draw, lotId: seen(draw['lotId']) }));
  return shown;
}
