export { CreditHubClient } from './client';
export type { CreditHubClientOptions, FetchFunction } from './client';
export {
  AuthenticationError, ConflictError, CreditHubError, InsufficientCreditsError, NotFoundError, PaymentRequiredError, PermissionDeniedError,
  ReferenceConflictError, ServiceUnavailableError, ValidationError,
} from './errors';
export type { CreditHubErrorInit } from './errors';
export type * from './types';
