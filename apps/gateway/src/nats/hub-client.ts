import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { ErrorCodes } from '@credit-hub/contracts';
import { correlatedPayload, ProblemException } from '@credit-hub/service-kit';
import { firstValueFrom, timeout } from 'rxjs';
import { GatewayConfig } from '../gateway.config';

/** Injection token of the Nest NATS ClientProxy the gateway sends commands with. */
export const HUB_NATS_CLIENT = Symbol('HUB_NATS_CLIENT');

/** What Nest's NATS server answers when no handler is registered for a subject. */
const noMessageHandler = 'There is no matching message handler defined in the remote service.';

/**
 * Request/reply to the services behind the gateway. Every call is bounded by
 * NATS_REQUEST_TIMEOUT_MS; a timeout, no responders, or a lost connection becomes 503
 * service_unavailable with `Retry-After: 1` (never a 500, never a hang). A refusal in the reply
 * becomes the problem+json of its code.
 *
 * The correlation id of the current request travels as the NATS header `X-Correlation-Id`
 * (NATS header keys are case-sensitive: https://docs.nats.io/learn/core-nats/headers); the
 * service answering runs its handler in that correlation context.
 */
@Injectable()
export class HubClient implements OnApplicationBootstrap {
  private readonly logger = new Logger('HubClient');

  constructor(
    @Inject(HUB_NATS_CLIENT) private readonly client: ClientProxy,
    private readonly config: GatewayConfig,
  ) {}

  /** Connect at boot rather than on the first request; a failure here is retried on first use. */
  async onApplicationBootstrap(): Promise<void> {
    await this.client.connect().catch((error: Error) => this.logger.warn(`NATS not reachable yet: ${error.message}`));
  }

  /**
   * Sends `payload` on `subject` (with the current correlation id as the `X-Correlation-Id`
   * header, when there is one) and returns the value of an `ok` reply; throws ProblemException
   * otherwise (503 when unreachable or timed out, the refusal's status for a refusal).
   */
  async request<T>(subject: string, payload: object): Promise<T> {
    let reply: unknown;
    try {
      reply = await firstValueFrom(this.client.send<unknown>(subject, correlatedPayload(payload)).pipe(timeout(this.config.NATS_REQUEST_TIMEOUT_MS)));
    } catch (error) {
      throw this.failure(subject, error);
    }
    return unwrapReply<T>(subject, reply, this.logger);
  }

  private failure(subject: string, error: unknown): ProblemException {
    // A remote handler's failure arrives as a JSON object `{status: 'error', message}`: a bug over
    // there. Everything else is the transport (TimeoutError, EmptyResponseException, NatsError,
    // "no handler", and Nest's plain-string "Connection lost. Trying to reconnect..." while NATS
    // is down): the service could not be reached, so 503 with Retry-After, never 500.
    const remoteFailure = typeof error === 'object' && error !== null && !(error instanceof Error) && (error as { status?: unknown }).status === 'error';
    if (!remoteFailure || (error as unknown) === noMessageHandler) {
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.logger.warn(`${subject} unavailable: ${why}`);
      return new ProblemException(
        { code: 'service_unavailable', detail: 'The service behind this endpoint did not answer in time; retry shortly' },
        { 'Retry-After': '1' },
      );
    }
    this.logger.error(`${subject} failed remotely: ${JSON.stringify(error)}`);
    return new ProblemException({ code: 'internal_error', detail: 'The service behind this endpoint failed; it has been logged.' });
  }
}

/** The value of an `ok` reply; a refusal or a malformed reply is thrown as a ProblemException. */
export function unwrapReply<T>(subject: string, reply: unknown, logger: Logger): T {
  const candidate = reply as Partial<{ ok: boolean; value: T; refusal: { code: string; detail?: unknown; field?: unknown } }> | null;
  if (candidate !== null && typeof candidate === 'object') {
    if (candidate.ok === true && 'value' in candidate) return candidate.value as T;
    const refusal = candidate.refusal;
    if (candidate.ok === false && refusal && Object.hasOwn(ErrorCodes, refusal.code)) {
      const code = refusal.code as keyof typeof ErrorCodes;
      const detail = typeof refusal.detail === 'string' ? refusal.detail : ErrorCodes[code].title;
      const field = typeof refusal.field === 'string' ? refusal.field : undefined;
      const headers: Record<string, string> = ErrorCodes[code].status === 503 ? { 'Retry-After': '1' } : {};
      return throwProblem(new ProblemException(field === undefined ? { code, detail } : { code, detail, field }, headers));
    }
  }
  logger.error(`${subject} answered with a malformed reply: ${JSON.stringify(reply)?.slice(0, 500)}`);
  return throwProblem(new ProblemException({ code: 'internal_error', detail: 'A service answered in an unexpected form; it has been logged.' }));
}

function throwProblem(problem: ProblemException): never {
  throw problem;
}
