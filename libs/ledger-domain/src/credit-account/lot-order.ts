import { LotDraw } from '@credit-hub/contracts';
import { Lot } from './credit-account.state';

/**
 * Whether a lot can pay for a consumption on `domain` at `now`: it has credits left, has not
 * expired (a lot expiring exactly now is expired), and is not restricted to another domain.
 */
export function isUsable(lot: Lot, domain: string, now: string): boolean {
  if (lot.creditsRemaining <= 0) return false;
  if (lot.expiresAt !== null && Date.parse(lot.expiresAt) <= Date.parse(now)) return false;
  return lot.scopeDomain === null || lot.scopeDomain === domain;
}

/**
 * The order consumption draws lots in (ARCHITECTURE.md): expiring soonest first (never-expiring
 * last), then higher priority, then granted before purchased, then oldest, then lot id.
 */
export function compareLotsForDrawing(a: Lot, b: Lot): number {
  const expiryA = a.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(a.expiresAt);
  const expiryB = b.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(b.expiresAt);
  if (expiryA !== expiryB) return expiryA < expiryB ? -1 : 1;
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.kind !== b.kind) return a.kind === 'granted' ? -1 : 1;
  if (a.acquiredVersion !== b.acquiredVersion) return a.acquiredVersion - b.acquiredVersion;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

/** Credits spendable on `domain` at `now`: the sum over usable lots. */
export function spendableCredits(lots: readonly Lot[], domain: string, now: string): number {
  let total = 0;
  for (const lot of lots) if (isUsable(lot, domain, now)) total += lot.creditsRemaining;
  return total;
}

/**
 * Plans which lots pay for `credits` on `domain`, in drawing order. Returns null when the usable
 * lots hold fewer credits than asked (nothing is drawn then).
 */
export function planDraws(lots: readonly Lot[], credits: number, domain: string, now: string): LotDraw[] | null {
  const usable = lots.filter((lot) => isUsable(lot, domain, now)).sort(compareLotsForDrawing);
  const draws: LotDraw[] = [];
  let left = credits;
  for (const lot of usable) {
    if (left === 0) break;
    const take = Math.min(lot.creditsRemaining, left);
    draws.push({ lotId: lot.lotId, credits: take });
    left -= take;
  }
  return left === 0 ? draws : null;
}
