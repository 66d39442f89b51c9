/**
 * What each command of the credit account needs loaded before its decision, declared beside the
 * decisions (credit-account.decide.ts): the ledger's loader reads the account row, its lots with
 * credits left, and exactly the records named here. A decision's docstring says what its state
 * must hold; `needs` is that sentence as data. Pure: no I/O.
 */

/** What a command needs loaded besides the account row and its lots with credits left. */
export interface LoadNeeds {
  consumptions?: { domain: string; referenceId: string }[];
  /** The account's consumptions on `domain` since `since` with credits not refunded yet (newest first, bounded): a credit refund of a window. */
  consumptionsSince?: { domain: string; since: string };
  lotIds?: string[];
  reservationIds?: string[];
  reservationReference?: { domain: string; referenceId: string };
  allActiveReservations?: boolean;
  moneyRefundId?: string;
  refundRequestId?: string;
  grantId?: string;
  checkoutSessionId?: string;
  paymentIntentId?: string;
  /**
   * Domains the command spends on (consume, reserve, balance): their connected accounts are read
   * into `domainAccounts`, only when a loaded lot is scoped to an account (no query otherwise).
   */
  spendDomains?: string[];
}

/** The fields of each command kind that say what to load (a command of that kind may carry more). */
export interface CommandKeys {
  consume: { domain: string; referenceId: string };
  purchase: { checkoutSessionId: string };
  grant: { grantId: string };
  reserve: { domain: string; referenceId: string };
  capture: { reservationId: string; domain: string };
  release: { reservationId: string; domain: string };
  'refund consumptions': { domain: string; referenceIds?: string[]; consumedSince?: string; refundRequestId: string };
  'refund purchase': { lotId: string; refundRequestId: string };
  'external refund': { paymentIntentId: string };
  'revert purchase refund': { refundRequestId: string };
  expire: object;
  freeze: object;
  unfreeze: object;
  'claw back': { paymentIntentId: string };
  'suspend plan': object;
  'resume plan': object;
  'end plan': object;
}

/** Every command kind of the credit account. */
export type CommandKind = keyof CommandKeys;

/**
 * What a command of `kind` needs loaded (`LoadNeeds`), from its keys:
 * - consume, reserve: the consumption and the reservation of `(domain, referenceId)` (global per
 *   domain: a reference taken on another account is a conflict) and the domain's connected accounts;
 * - capture, release: the hold by id and the domain's connected accounts;
 * - purchase: whether the checkout session was credited; grant: whether the grant id was applied;
 * - refund consumptions: the named consumptions, or those of the window from `consumedSince`, and
 *   whether the refund request was applied; refund purchase: the lot and the money refund;
 * - revert purchase refund: the money refund; claw back, external refund: the purchase's lot by
 *   payment intent; expire: every active hold;
 * - freeze, unfreeze, suspend/resume/end plan: nothing beyond the account row and its lots.
 * The caller passes the command itself (no copy is made of it).
 */
export function needs<K extends CommandKind>(kind: K, command: CommandKeys[K]): LoadNeeds {
  const c = command as Partial<CommandKeys['refund consumptions'] & CommandKeys['capture'] & CommandKeys['refund purchase'] & CommandKeys['claw back'] & CommandKeys['grant'] & CommandKeys['purchase']>;
  switch (kind as CommandKind) {
    case 'consume':
    case 'reserve': {
      const ref = { domain: c.domain!, referenceId: (command as CommandKeys['consume']).referenceId };
      return { consumptions: [ref], reservationReference: ref, spendDomains: [c.domain!] };
    }
    case 'capture':
    case 'release':
      return { reservationIds: [c.reservationId!], spendDomains: [c.domain!] };
    case 'purchase':
      return { checkoutSessionId: c.checkoutSessionId };
    case 'grant':
      return { grantId: c.grantId };
    case 'refund consumptions':
      return {
        consumptions: (c.referenceIds ?? []).map((referenceId) => ({ domain: c.domain!, referenceId })),
        consumptionsSince: c.referenceIds ? undefined : { domain: c.domain!, since: c.consumedSince as string },
        refundRequestId: c.refundRequestId,
      };
    case 'refund purchase':
      return { lotIds: [c.lotId!], moneyRefundId: c.refundRequestId };
    case 'revert purchase refund':
      return { moneyRefundId: c.refundRequestId };
    case 'claw back':
    case 'external refund':
      return { paymentIntentId: c.paymentIntentId };
    case 'expire':
      return { allActiveReservations: true };
    case 'freeze':
    case 'unfreeze':
    case 'suspend plan':
    case 'resume plan':
    case 'end plan':
      return {};
  }
}
