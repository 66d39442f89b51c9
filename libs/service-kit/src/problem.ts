import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ErrorCode, ErrorCodes, Refusal, replyRefused } from '@credit-hub/contracts';
import { Observable, of } from 'rxjs';
import { dataErrorOf } from './database-errors';
import { redactSecrets, redactUrl } from './redaction';

/**
 * An RFC 9457 problem details body (`application/problem+json`), with our stable `code` and the
 * offending `field` as extension members.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: ErrorCode;
  field?: string;
  retryable: boolean;
}

/** Base URI of our problem types; each code gets `…/problems/<code>`, documented in docs/api.md. */
export const problemTypeBase = 'https://credit-hub.dev/problems/';

/** Builds problem details from a refusal code. */
export function problemFor(code: ErrorCode, detail: string, field?: string, instance?: string): ProblemDetails {
  const known = ErrorCodes[code];
  const problem: ProblemDetails = {
    type: problemTypeBase + code,
    title: known.title,
    status: known.status,
    detail,
    code,
    retryable: known.retryable,
  };
  if (field !== undefined) problem.field = field;
  if (instance !== undefined) problem.instance = instance;
  return problem;
}

/** An exception carrying a refusal; thrown by controllers, rendered by ProblemJsonFilter. */
export class ProblemException extends HttpException {
  /** Already logged by whoever raised it (an outage reported once per burst): the filter then logs it at debug only. */
  reported = false;

  constructor(
    readonly refusal: Refusal,
    readonly headers: Record<string, string> = {},
  ) {
    super(refusal.detail, ErrorCodes[refusal.code].status);
  }
}

/**
 * Renders every error as problem+json. Known refusals keep their code; Nest's HttpExceptions map
 * to the closest code; a database error caused by the data (`dataErrorOf`: SQLSTATE class 22, or
 * class 23 but 23505) is a 400 `validation_failed`, not retryable; anything else is an
 * `internal_error` whose detail never carries a stack trace or SQL (logged server-side instead).
 *
 * Services inherit it for their NATS request/reply handlers too (`inheritAppConfig`): there a
 * handler that throws is answered with a refusal reply, like the ledger's and refunds' own
 * handlers do: a data error is `validation_failed` (not retryable); anything else (the database
 * or a service down, a bug) is a retryable `service_unavailable`, its cause logged. (Before, the
 * filter wrote to an HTTP response that an RPC context does not have, and the caller got an empty
 * error object: a 503 for bad bytes too.)
 */
@Catch()
export class ProblemJsonFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void | Observable<unknown> {
    if (host.getType() === 'rpc') return this.catchRpc(exception);
    const http = host.switchToHttp();
    const response = http.getResponse<HttpReply>();
    const request = http.getRequest<{ method: string; url: string; originalUrl?: string }>();
    // The URL without the portal token and the query string, in the answer and in the log; the
    // detail and stack redacted too (a decoding error quotes the path it failed on).
    const url = redactUrl(request.originalUrl ?? request.url);
    const { problem, headers } = this.toProblem(exception, url);
    problem.detail = redactSecrets(problem.detail);
    const line = `${request.method} ${url} -> ${problem.status} ${problem.code}: ${problem.detail}`;
    if (exception instanceof ProblemException && exception.reported) this.logger.debug(line);
    else if (problem.status >= 500) this.logger.error(line, exception instanceof Error && exception.stack ? redactSecrets(exception.stack) : undefined);
    else this.logger.warn(line);
    sendProblem(response, problem, headers);
  }

  private catchRpc(exception: unknown): Observable<unknown> {
    const dataError = dataErrorOf(exception);
    if (dataError) {
      this.logger.warn(redactSecrets(`request refused by the database: SQLSTATE ${dataError.sqlState}: ${(exception as Error).message}`));
      return of(replyRefused('validation_failed', dataError.detail));
    }
    this.logger.error(redactSecrets(`request failed: ${(exception as Error)?.message ?? String(exception)}`), exception instanceof Error && exception.stack ? redactSecrets(exception.stack) : undefined);
    return of(replyRefused('service_unavailable', 'the service could not complete the request; retry shortly'));
  }

  private toProblem(exception: unknown, instance: string): { problem: ProblemDetails; headers: Record<string, string> } {
    const dataError = dataErrorOf(exception);
    if (dataError) return { problem: problemFor('validation_failed', dataError.detail, undefined, instance), headers: {} };
    if (exception instanceof ProblemException) {
      const r = exception.refusal;
      return { problem: problemFor(r.code, r.detail, r.field, instance), headers: exception.headers };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code = codeForStatus(status, exception);
      return { problem: problemFor(code, httpDetail(exception), undefined, instance), headers: {} };
    }
    const clientStatus = platformClientStatus(exception);
    if (clientStatus === HttpStatus.PAYLOAD_TOO_LARGE) {
      return { problem: problemFor('payload_too_large', 'The request body is larger than the server accepts', undefined, instance), headers: {} };
    }
    if (clientStatus !== undefined) return { problem: problemFor('validation_failed', 'The request body could not be read', 'body', instance), headers: {} };
    return { problem: problemFor('internal_error', 'An unexpected error occurred; it has been logged.', undefined, instance), headers: {} };
  }
}

/** An HTTP response of either platform: Express' `Response` or Fastify's `FastifyReply` (both have `status`, `send`). */
interface HttpReply {
  status(code: number): HttpReply;
  send(body: string): unknown;
  setHeader?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
}

/**
 * Writes a problem+json answer with its extra headers (Retry-After, WWW-Authenticate) on Express
 * (`setHeader`) or Fastify (`header`) alike.
 */
export function sendProblem(response: HttpReply, problem: ProblemDetails, headers: Record<string, string> = {}): void {
  const set = (name: string, value: string) => (response.header ? response.header(name, value) : response.setHeader?.(name, value));
  for (const [name, value] of Object.entries(headers)) set(name, value);
  set('Content-Type', 'application/problem+json; charset=utf-8');
  response.status(problem.status).send(JSON.stringify(problem));
}

/**
 * A client error raised by the HTTP platform before any handler ran (Fastify's `FST_ERR_*`
 * errors carry a 4xx `statusCode`: a body over the limit, a bad Content-Length), or undefined.
 */
function platformClientStatus(exception: unknown): number | undefined {
  if (exception === null || typeof exception !== 'object') return undefined;
  const { code, statusCode } = exception as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_') || typeof statusCode !== 'number') return undefined;
  return statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}

function codeForStatus(status: number, exception: HttpException): ErrorCode {
  if (status === HttpStatus.PAYLOAD_TOO_LARGE || (exception as { type?: string }).type === 'entity.too.large') return 'payload_too_large';
  if (status === HttpStatus.UNAUTHORIZED) return 'unauthorized';
  if (status === HttpStatus.FORBIDDEN) return 'forbidden_domain';
  if (status === HttpStatus.NOT_FOUND) return 'not_found';
  if (status === HttpStatus.SERVICE_UNAVAILABLE) return 'service_unavailable';
  if (status >= 500) return 'internal_error';
  return 'validation_failed';
}

function httpDetail(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
