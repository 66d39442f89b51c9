export { CreditHubClient, operationsNotRepeatable } from './client';
export type { CreditHubClientOptions, FetchFunction, PublicOperationName } from './client';
export { operationTable } from './generated/operations';
export type { OperationId } from './generated/operations';
export { pagedResult, pagesPerIterationMax } from './pagination';
export type { CursorPage, PagedResult } from './pagination';
export {
  AuthenticationError, ConflictError, CreditHubError, errorFromFailure, errorFromResponse, InsufficientCreditsError, isRetryableStatus, NotFoundError,
  PaymentRequiredError, PermissionDeniedError, ReferenceConflictError, ServiceUnavailableError, ValidationError,
} from './errors';
export type { CreditHubErrorInit } from './errors';
export type * from './types';
