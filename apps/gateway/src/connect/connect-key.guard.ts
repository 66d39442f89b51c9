import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../api-keys/api-key-authenticator';
import { analyticsDomainsOf, authenticateForDomains, AuthenticatedRequest, queryDomains } from '../api-keys/api-key.guard';

/**
 * Stripe Connect routes (`/api/billing/connect*`): a live domain key acts for its own domain; a
 * live builder key for any of its domains (onboarding one Stripe account for several products is
 * what a builder key is for). The domains named in the query (`domain`, repeatable or
 * comma-separated) must all be the key's (403 forbidden_domain); none named: all of the key's. They
 * are left on the request (`analyticsDomains`, sorted, normalised) with the key (`analyticsKey`).
 * A body's `domains` is checked by the route after validation (`connectDomainsOf`), so bad input
 * there is a 400 naming the field.
 */
@Injectable()
export class ConnectKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    return authenticateForDomains(this.authenticator, context.switchToHttp().getRequest<AuthenticatedRequest>(), queryDomains);
  }
}

/**
 * The domains a Connect request acts for: `named` (validated host names) when given, else all of
 * the key's; each must be one of the key's (ProblemException 403 forbidden_domain).
 */
export function connectDomainsOf(request: AuthenticatedRequest, named: readonly string[] | undefined): string[] {
  const key = request.analyticsKey;
  if (!key) throw new Error('connectDomainsOf used on a route without ConnectKeyGuard'); // a wiring bug
  return analyticsDomainsOf(key, named ?? []);
}
