/** What the Connect feature offers the other features: the scope rules of connected accounts, their domains and terms, their sales. */
export { crossAccountRefusal, sameAccount } from './connect-scope';
export { type ConnectedDomainRow, connectedDomain, domainsOfAccount } from './connected-account.store';
export { packApplicationFeeMinor, planApplicationFeePercent } from './connect-terms';
