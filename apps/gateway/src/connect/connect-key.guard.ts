import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ProblemException } from '@credit-hub/service-kit';
import type { Request } from 'express';
import { ApiKeyAuthenticator } from '../api-keys/api-key-authenticator';
import { analyticsDomainsOf, AuthenticatedRequest } from '../api-keys/api-key.guard';

/**
 * Stripe Connect routes (`/api/billing/connect*`): a live domain key acts for its own domain; a
 * live builder key for any of its domains (onboarding one Stripe account for several products is
 * what a builder key is for). The domains named (`domains` in the JSON body, or `domain` in the
 * query, repeatable) must all be the key's (403 forbidden_domain); none named: all of the key's.
 * The domains are left on the request (`analyticsDomains`, sorted, normalised).
 */
@Injectable()
export class ConnectKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = await this.authenticator.authenticate(bearerToken(request.headers.authorization));
    if (!key) {
      throw new ProblemException(
        { code: 'unauthorized', detail: 'Send a live domain or builder key as Authorization: Bearer chk_dom_… or chk_bld_…' },
        { 'WWW-Authenticate': `Bearer realm="credit-hub"` },
      );
    }
    request.analyticsKey = key;
    request.analyticsDomains = analyticsDomainsOf(key, namedDomains(request));
    return true;
  }
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Domains named in the body's `domains` (strings only; the DTO refuses other shapes) or the query's `domain`. */
function namedDomains(request: Request): string[] {
  const values: unknown[] = [];
  const body: unknown = request.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) values.push((body as Record<string, unknown>)['domains']);
  const query: unknown = request.query;
  if (query !== null && typeof query === 'object') values.push((query as Record<string, unknown>)['domain']);
  return values.flat().filter((value): value is string => typeof value === 'string');
}
