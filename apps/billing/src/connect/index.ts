/** What the Connect feature offers the other features: the scope rules of connected accounts, their domains and terms, their sales. */
export { crossAccountRefusal, foreignDomainsRefusal, recordRefusal, sameAccount } from './connect-scope';
export { accountRevoked, type ConnectedDomainRow, connectedDomain, domainsOfAccount, markDisconnected } from './connected-account.store';
export { packApplicationFeeMinor, planApplicationFeePercent } from './connect-terms';
