import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { ProblemException } from '@credit-hub/service-kit';
import type { FastifyRequest } from 'fastify';
import { hashApiKey, hashesEqual } from '../api-keys/api-keys';
import { OperatorConfig } from './operator.config';

/** Name of the OpenAPI security scheme of the operator API. */
export const operatorKeySecurityScheme = 'operator-key';
/** Shortest and longest bearer token looked at (an operator key is `chk_op_` + 32 random bytes). */
const tokenLengthMin = 24;
const tokenLengthMax = 256;

/**
 * `Authorization: Bearer <operator key>`: the SHA-256 of the token must equal one of
 * `OPERATOR_API_KEYS`. Every configured hash is compared, each in constant time, whatever matched
 * first, so the time taken says nothing about which hash (or how much of one) matched.
 */
@Injectable()
export class OperatorKeyGuard implements CanActivate {
  private readonly logger = new Logger('OperatorKeys');

  constructor(private readonly config: OperatorConfig) {
    if (config.operatorKeyHashes.length === 0) this.logger.warn('OPERATOR_API_KEYS is empty: the operator API refuses every request');
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!operatorKeyMatches(bearerToken(request.headers.authorization), this.config.operatorKeyHashes)) {
      throw new ProblemException(
        { code: 'unauthorized', detail: 'Send an operator key as Authorization: Bearer <operator key>' },
        { 'WWW-Authenticate': `Bearer realm="credit-hub-operator"` },
      );
    }
    return true;
  }
}

/** Whether `token` hashes to one of `hashes` (all compared in constant time). */
export function operatorKeyMatches(token: string | undefined, hashes: readonly string[]): boolean {
  if (token === undefined || token.length < tokenLengthMin || token.length > tokenLengthMax) return false;
  const hash = hashApiKey(token);
  let matched = false;
  for (const candidate of hashes) matched = hashesEqual(candidate, hash) || matched;
  return matched;
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
