import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { normalizeDomain } from '@credit-hub/contracts';
import { ProblemException } from '@credit-hub/service-kit';
import type { Request } from 'express';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { ApiKeyRecord } from './api-keys';

/** A request that passed the guard carries the key it was made with. */
export interface AuthenticatedRequest extends Request {
  apiKey?: ApiKeyRecord;
}

/** Name of the OpenAPI security scheme (bearer API key). */
export const apiKeySecurityScheme = 'api-key';

/**
 * `Authorization: Bearer <key>`: the key must be live, and it acts only for its own domain. A
 * request naming another domain (body or query `domain`) is refused with 403 before anything is
 * validated or forwarded.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = await this.authenticator.authenticate(bearerToken(request.headers.authorization));
    if (!key) {
      throw new ProblemException(
        { code: 'unauthorized', detail: 'Send a live API key as Authorization: Bearer chk_dom_…' },
        { 'WWW-Authenticate': `Bearer realm="credit-hub"` },
      );
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

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Every string given as `domain` in the JSON body or the query (repeated query values included). */
function namedDomains(request: Request): string[] {
  const values: unknown[] = [];
  const body: unknown = request.body;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) values.push((body as Record<string, unknown>)['domain']);
  const query: unknown = request.query;
  if (query !== null && typeof query === 'object') values.push((query as Record<string, unknown>)['domain']);
  return values.flat().filter((value): value is string => typeof value === 'string');
}

/** The API key the request was authenticated with (only on guarded routes). */
export const CurrentApiKey = createParamDecorator((_: unknown, context: ExecutionContext): ApiKeyRecord => {
  const key = context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey;
  if (!key) throw new Error('CurrentApiKey used on a route without ApiKeyGuard'); // a wiring bug
  return key;
});
