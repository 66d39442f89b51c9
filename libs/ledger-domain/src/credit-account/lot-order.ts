import { LotDraw } from '@credit-hub/contracts';
import { CreditAccount, Lot } from './credit-account.state';

/** Credits of a lot that can still be drawn: remaining less held. */
export function availableCredits(lot: Lot): number {
  return lot.creditsRemaining - lot.creditsHeld;
}

/** Whether a lot has expired at `now` (a lot expiring exactly now is expired). */
export function isExpired(lot: Lot, now: string): boolean {
  return lot.expiresAt !== null && Date.parse(lot.expiresAt) <= Date.parse(now);
}

/**
 * Whether a lot may be spent on `domain` at all (expiry and credits aside): not restricted to
 * another domain, and, when scoped to a connected account (Stripe Connect), `domainAccount` (the
 * account `domain` is connected to, null: the platform) is that account.
 */
export function isInScope(lot: Pick<Lot, 'scopeDomain' | 'scopeAccount'>, domain: string, domainAccount: string | null): boolean {
  if (lot.scopeDomain !== null && lot.scopeDomain !== domain) return false;
  return lot.scopeAccount === null || lot.scopeAccount === undefined || lot.scopeAccount === domainAccount;
}

/**
 * Whether a lot can pay for a consumption on `domain` at `now`: it has available credits, has not
 * expired, is in scope on `domain` (`isInScope`; `domainAccount`: the connected account of
 * `domain`, null on the platform), and is not a suspended subscription's credits.
 */
export function isUsable(lot: Lot, domain: string, now: string, suspended: ReadonlySet<string> = new Set(), domainAccount: string | null = null): boolean {
  if (availableCredits(lot) <= 0 || isExpired(lot, now)) return false;
  if (lot.subscriptionId !== null && suspended.has(lot.subscriptionId)) return false;
  return isInScope(lot, domain, domainAccount);
}

/** The connected account of `domain` as loaded into the state (`CreditAccount.domainAccounts`), null: the platform. */
export function domainAccountOf(account: { domainAccounts?: ReadonlyMap<string, string> }, domain: string): string | null {
  return account.domainAccounts?.get(domain) ?? null;
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

/**
 * Credits spendable on `domain` at `now` (its connected account from `account.domainAccounts`):
 * available credits of usable lots, less credits owed
 * after a lost dispute (a debt is paid from the next credits before they can be spent).
 */
export function spendableCredits(
  account: Pick<CreditAccount, 'lots' | 'suspendedSubscriptions'> & { owedCredits?: number; domainAccounts?: ReadonlyMap<string, string> },
  domain: string,
  now: string,
): number {
  const domainAccount = domainAccountOf(account, domain);
  let total = 0;
  for (const lot of account.lots) if (isUsable(lot, domain, now, account.suspendedSubscriptions, domainAccount)) total += availableCredits(lot);
  return Math.max(total - (account.owedCredits ?? 0), 0);
}

/**
 * Plans which lots pay for `credits` on `domain`, in drawing order. Returns null when the usable
 * lots hold fewer credits than asked (nothing is drawn then).
 */
export function planDraws(
  account: Pick<CreditAccount, 'lots' | 'suspendedSubscriptions'> & { domainAccounts?: ReadonlyMap<string, string> },
  credits: number,
  domain: string,
  now: string,
): LotDraw[] | null {
  const domainAccount = domainAccountOf(account, domain);
  const usable = account.lots.filter((lot) => isUsable(lot, domain, now, account.suspendedSubscriptions, domainAccount)).sort(compareLotsForDrawing);
  const draws: LotDraw[] = [];
  let left = credits;
  for (const lot of usable) {
    if (left === 0) break;
    const take = Math.min(availableCredits(lot), left);
    draws.push({ lotId: lot.lotId, credits: take });
    left -= take;
  }
  return left === 0 ? draws : null;
}
