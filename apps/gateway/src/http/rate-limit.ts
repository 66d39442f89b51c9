import { ExecutionContext, Injectable } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModule,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { validateEnvironment, ProblemException } from '@credit-hub/service-kit';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuthenticator } from '../api-keys/api-key-authenticator';
import { RateLimitConfig } from './rate-limit.config';

/**
 * Rate limits of the gateway (@nestjs/throttler, one sliding window): each live API key gets
 * `GATEWAY_RATE_LIMIT_PER_KEY` requests per window over all its endpoints together, and each
 * client address `GATEWAY_RATE_LIMIT_ANONYMOUS` requests per window for everything not made with
 * a live key (webhooks, portal pages, missing, unknown or revoked keys). Over the limit: 429
 * problem+json `rate_limited` with `Retry-After` (seconds until the oldest counted request leaves
 * the window). Health and metrics are never limited: probes must see the truth under a flood.
 *
 * Registered in GatewayModule: `rateLimitModule` in `imports`, `rateLimitGuardProvider` in
 * `providers` (a global guard, so it runs before ApiKeyGuard and before any validation).
 */

/** Paths (prefixes) the limits never apply to. */
export const unlimitedPathPrefixes = ['/health', '/metrics'];

/** The single throttler's name (`default` keeps the standard `Retry-After` header name). */
const throttlerName = 'default';

/** Who a request is counted against: one live API key, or one client address. */
export type RateLimitTracker = { kind: 'key'; id: string } | { kind: 'anonymous'; address: string };

/** A request once the guard has decided whom it counts against. */
interface TrackedRequest extends FastifyRequest {
  rateLimitTracker?: RateLimitTracker;
}

/** The bearer token of an `Authorization: Bearer <token>` header (the same reading as ApiKeyGuard). */
export function bearerTokenOf(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
}

/** The limit that applies to a tracker. */
export function limitFor(tracker: RateLimitTracker | undefined, config: RateLimitConfig): number {
  return tracker?.kind === 'key' ? config.GATEWAY_RATE_LIMIT_PER_KEY : config.GATEWAY_RATE_LIMIT_ANONYMOUS;
}

/** The counter a tracker increments: one per key or address, shared by every route. */
export function counterKeyOf(tracker: RateLimitTracker): string {
  return tracker.kind === 'key' ? `key:${tracker.id}` : `anonymous:${tracker.address}`;
}

/** The throttler options from the validated environment. */
export function rateLimitOptions(config: RateLimitConfig): ThrottlerModuleOptions {
  return {
    throttlers: [
      {
        name: throttlerName,
        ttl: config.GATEWAY_RATE_LIMIT_WINDOW_MS,
        // 0: a sliding window without a penalty block; Retry-After is when a slot frees up.
        blockDuration: 0,
        limit: (context: ExecutionContext) => limitFor(context.switchToHttp().getRequest<TrackedRequest>().rateLimitTracker, config),
      },
    ],
  };
}

/** The throttler module configured from the environment (a bad value stops the gateway at boot). */
export const rateLimitModule = ThrottlerModule.forRootAsync({
  useFactory: () => rateLimitOptions(validateEnvironment(RateLimitConfig, process.env)),
});

@Injectable()
export class ApiKeyRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly authenticator: ApiKeyAuthenticator,
  ) {
    super(options, storage, reflector);
  }

  /**
   * Decides whom the request counts against before the throttler asks for the limit. The lookup
   * is ApiKeyAuthenticator's (cached for a second), so ApiKeyGuard's own lookup right after is free.
   * When keys cannot be checked (database down) the request counts as anonymous and ApiKeyGuard
   * then answers its 503.
   */
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TrackedRequest>();
    const path = (request.url ?? '').split('?', 1)[0]!;
    if (unlimitedPathPrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return true;
    request.rateLimitTracker = await this.trackerOf(request);
    return false;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const tracker = (request as unknown as TrackedRequest).rateLimitTracker;
    return counterKeyOf(tracker ?? { kind: 'anonymous', address: addressOf(request as unknown as FastifyRequest) });
  }

  /** One counter per tracker for the whole API, not one per route (the default). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const tracker = context.switchToHttp().getRequest<TrackedRequest>().rateLimitTracker;
    const retryAfterSeconds = Math.max(1, detail.timeToBlockExpire);
    const who = tracker?.kind === 'key' ? 'this API key' : 'requests without a live API key from this address';
    throw new ProblemException(
      { code: 'rate_limited', detail: `More than ${detail.limit} requests in ${detail.ttl} ms for ${who}; retry after ${retryAfterSeconds} s` },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  }

  private async trackerOf(request: FastifyRequest): Promise<RateLimitTracker> {
    const token = bearerTokenOf(request.headers.authorization);
    if (token !== undefined) {
      const key = await this.authenticator.authenticate(token).catch(() => undefined);
      if (key) return { kind: 'key', id: key.id };
    }
    return { kind: 'anonymous', address: addressOf(request) };
  }
}

/** The client address (the socket's: put `trust proxy` in front before trusting X-Forwarded-For). */
function addressOf(request: FastifyRequest): string {
  return request.ip ?? request.raw?.socket?.remoteAddress ?? 'unknown';
}

/** The global guard's provider, for GatewayModule's `providers`. */
export const rateLimitGuardProvider = { provide: APP_GUARD, useClass: ApiKeyRateLimitGuard };
