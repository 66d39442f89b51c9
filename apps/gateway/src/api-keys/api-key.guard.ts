import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { normalizeDomain } from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { AnyApiKeyRecord, ApiKeyRecord, readableDomains } from './api-keys';

/** A request that passed a guard carries the key it was made with (and, for analytics, the domains it reads). */
export interface AuthenticatedRequest extends FastifyRequest {
  apiKey?: ApiKeyRecord;
  analyticsKey?: AnyApiKeyRecord;
  analyticsDomains?: string[];
}

/** Name of the OpenAPI security scheme (bearer API key). */
export const apiKeySecurityScheme = 'api-key';

/**
 * `Authorization: Bearer <key>`: the key must be a live domain key, and it acts only for its own
 * domain. A request naming another domain (body or query `domain`) is refused with 403
 * forbidden_domain before anything is validated or forwarded; a builder key (`chk_bld_…`, analytics
 * only) is refused with 403 builder_key_not_allowed: it never consumes, refunds or buys.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = await liveKeyOf(this.authenticator, request, 'Send a live API key as Authorization: Bearer chk_dom_…');
    if (key.kind !== 'domain') {
      throw new ProblemException({ code: 'builder_key_not_allowed', detail: 'A builder key reads /api/analytics only; this route needs the domain key of one domain' });
    }
    for (const domain of namedDomains(request)) {
      if (normalizeDomain(domain) !== key.domain) {
        throw new ProblemException({ code: 'forbidden_domain', detail: `This API key acts for ${key.domain} only`, field: 'domain' });
      }
    }
    request.apiKey = key;
    return true;
  }
}

/**
 * The analytics routes (`/api/analytics/*`): a live domain key reads its own domain; a live builder
 * key reads any of its domains. `domain` (query, repeatable, or comma-separated) narrows the read;
 * without it a builder key reads all its domains. A named domain the key cannot read is refused
 * with 403 forbidden_domain; a malformed one with 400 validation_failed. The domains read (sorted,
 * normalised) are left on the request for `AnalyticsDomains`.
 */
@Injectable()
export class AnalyticsKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    return authenticateForDomains(this.authenticator, context.switchToHttp().getRequest<AuthenticatedRequest>(), namedDomains);
  }
}

/**
 * The live key (domain or builder) of `Authorization: Bearer <key>`. Throws ProblemException 401
 * unauthorized, with `detail` and a `WWW-Authenticate: Bearer` challenge, when there is none.
 */
export async function liveKeyOf(authenticator: ApiKeyAuthenticator, request: FastifyRequest, detail: string): Promise<AnyApiKeyRecord> {
  const key = await authenticator.authenticate(bearerToken(request.headers.authorization));
  if (!key) throw new ProblemException({ code: 'unauthorized', detail }, { 'WWW-Authenticate': `Bearer realm="credit-hub"` });
  return key;
}

/**
 * Authenticates a live domain or builder key (401 as `liveKeyOf`) and leaves it on the request
 * (`analyticsKey`) with the domains it acts for (`analyticsDomains`: `named(request)` checked by
 * `analyticsDomainsOf`, whose 400 and 403 it throws). Returns true for `canActivate`.
 */
export async function authenticateForDomains(
  authenticator: ApiKeyAuthenticator,
  request: AuthenticatedRequest,
  named: (request: FastifyRequest) => string[],
): Promise<boolean> {
  const key = await liveKeyOf(authenticator, request, 'Send a live domain or builder key as Authorization: Bearer chk_dom_… or chk_bld_…');
  request.analyticsKey = key;
  request.analyticsDomains = analyticsDomainsOf(key, named(request));
  return true;
}

/** Most `domain` values one analytics request may name. */
export const analyticsDomainsMax = 100;

/**
 * The domains an analytics read covers: `named` (split on commas, normalised, de-duplicated,
 * sorted) when given, else every domain the key reads. Throws ProblemException: 400
 * validation_failed (empty or too many names), 403 forbidden_domain (a domain the key cannot read).
 */
export function analyticsDomainsOf(key: AnyApiKeyRecord, named: readonly string[]): string[] {
  const readable = readableDomains(key);
  const names = named.flatMap((value) => value.split(',')).map((value) => normalizeDomain(value));
  if (names.length === 0) return readable.sort();
  if (names.some((name) => name.length === 0) || names.length > analyticsDomainsMax) {
    throw new ProblemException({ code: 'validation_failed', detail: `domain must name 1 to ${analyticsDomainsMax} domains`, field: 'domain' });
  }
  for (const name of names) {
    if (!readable.includes(name)) {
      const scope = key.kind === 'domain' ? `acts for ${key.domain} only` : `reads ${readable.join(', ')} only`;
      throw new ProblemException({ code: 'forbidden_domain', detail: `This API key ${scope}`, field: 'domain' });
    }
  }
  return [...new Set(names)].sort();
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Every string given as `domain` in the JSON body or the query (repeated query values included). */
function namedDomains(request: FastifyRequest): string[] {
  const body: unknown = request.body;
  const inBody: unknown[] = body !== null && typeof body === 'object' && !Array.isArray(body) ? [(body as Record<string, unknown>)['domain']] : [];
  return [...inBody.flat().filter((value): value is string => typeof value === 'string'), ...queryDomains(request)];
}

/** Every string given as `domain` in the query (repeated values included). */
export function queryDomains(request: FastifyRequest): string[] {
  const query: unknown = request.query;
  const values: unknown[] = query !== null && typeof query === 'object' ? [(query as Record<string, unknown>)['domain']] : [];
  return values.flat().filter((value): value is string => typeof value === 'string');
}

/** The API key the request was authenticated with (only on guarded routes). */
export const CurrentApiKey = createParamDecorator((_: unknown, context: ExecutionContext): ApiKeyRecord => {
  const key = context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey;
  if (!key) throw new Error('CurrentApiKey used on a route without ApiKeyGuard'); // a wiring bug
  return key;
});

/** The domains an analytics request reads (only on routes guarded by AnalyticsKeyGuard): sorted, 1-100. */
export const AnalyticsDomains = createParamDecorator((_: unknown, context: ExecutionContext): string[] => {
  const domains = context.switchToHttp().getRequest<AuthenticatedRequest>().analyticsDomains;
  if (!domains) throw new Error('AnalyticsDomains used on a route without AnalyticsKeyGuard'); // a wiring bug
  return domains;
});
