/**
 * An account snapshot's JSON: the whole CreditAccount with its Maps and Sets as arrays, so a
 * stored snapshot folds on exactly like the state it was taken from. Pure (no I/O).
 */
import { ConsumptionRecord, consumptionKey, CreditAccount, Lot, MoneyRefund, Reservation } from './credit-account.state';

/** The JSON shape of a snapshot's `state` column: the CreditAccount with its Maps and Sets as arrays. */
export interface SnapshotState {
  email: string | null;
  version: number;
  balance: number;
  owedCredits: number;
  lots: Lot[];
  consumptions: ConsumptionRecord[];
  reservations: Reservation[];
  moneyRefunds: MoneyRefund[];
  purchasedCheckoutSessions: string[];
  grantIds: [string, string][];
  refundRequestIds: string[];
  openDisputes: string[];
  clawedBackDisputes: string[];
  suspendedSubscriptions: string[];
}

/**
 * A CreditAccount as the JSON a snapshot stores (a deep copy: later evolves do not change it).
 * `domainAccounts` is not account state (the loader's lookup of the domain mapping) and is not stored.
 */
export function stateToSnapshot(state: CreditAccount): SnapshotState {
  return JSON.parse(snapshotJson(state)) as SnapshotState;
}

/** The JSON text of `stateToSnapshot(state)`, serialised once (what the ledger writes). */
export function snapshotJson(state: CreditAccount): string {
  return JSON.stringify({
    email: state.email, version: state.version, balance: state.balance, owedCredits: state.owedCredits, lots: state.lots,
    consumptions: [...state.consumptions.values()], reservations: [...state.reservations.values()], moneyRefunds: [...state.moneyRefunds.values()],
    purchasedCheckoutSessions: [...state.purchasedCheckoutSessions], grantIds: [...state.grantIds], refundRequestIds: [...state.refundRequestIds],
    openDisputes: [...state.openDisputes], clawedBackDisputes: [...state.clawedBackDisputes], suspendedSubscriptions: [...state.suspendedSubscriptions],
  });
}

/** The CreditAccount a snapshot's `state` column holds (inverse of `stateToSnapshot`). */
export function snapshotToState(json: SnapshotState): CreditAccount {
  return {
    // Snapshots taken before Stripe Connect lack `scopeAccount`: a platform lot.
    email: json.email, version: json.version, balance: json.balance, owedCredits: json.owedCredits, lots: json.lots.map((l) => ({ ...l, scopeAccount: l.scopeAccount ?? null })),
    consumptions: new Map(json.consumptions.map((c) => [consumptionKey(c.domain, c.referenceId), { ...c }])),
    reservations: new Map(json.reservations.map((r) => [r.reservationId, { ...r }])),
    moneyRefunds: new Map(json.moneyRefunds.map((m) => [m.refundRequestId, { ...m }])),
    purchasedCheckoutSessions: new Set(json.purchasedCheckoutSessions), grantIds: new Map(json.grantIds), refundRequestIds: new Set(json.refundRequestIds),
    openDisputes: new Set(json.openDisputes), clawedBackDisputes: new Set(json.clawedBackDisputes), suspendedSubscriptions: new Set(json.suspendedSubscriptions),
    domainAccounts: new Map(),
  };
}

