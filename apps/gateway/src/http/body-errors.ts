import { Logger } from '@nestjs/common';
import { ProblemDetails, problemFor, redactSecrets, redactUrl } from '@credit-hub/service-kit';
import type { ErrorRequestHandler } from 'express';

/** What body-parser attaches to the errors it raises. */
interface BodyParserError extends Error {
  type?: string;
  status?: number;
  expose?: boolean;
}

const logger = new Logger('Body');

/**
 * Express error middleware for failures before Nest's router (body-parser): they would otherwise
 * reach Express' default handler and come out as HTML. Malformed JSON is 400 validation_failed,
 * an oversized body 413 payload_too_large, any other client error of the parser 400; all problem+json.
 */
export function bodyParserErrorHandler(bodyLimitBytes: number): ErrorRequestHandler {
  return (error: BodyParserError, request, response, next) => {
    if (response.headersSent) return next(error);
    // Never the portal token of the path, a query string, or a quote of the body in the log.
    const instance = redactUrl(request.originalUrl ?? request.url);
    const problem = problemForParserError(error, bodyLimitBytes, instance);
    // The parser's kind of failure, not its message: a JSON syntax error quotes the body.
    const line = `${request.method} ${instance} -> ${problem.status} ${problem.code}: ${error.type ?? error.name}`;
    if (problem.status >= 500) logger.error(line, error.stack === undefined ? undefined : redactSecrets(error.stack));
    else logger.warn(line);
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  };
}

function problemForParserError(error: BodyParserError, bodyLimitBytes: number, instance: string): ProblemDetails {
  if (error.type === 'entity.too.large' || error.status === 413) {
    return problemFor('payload_too_large', `The request body is larger than the ${bodyLimitBytes} bytes accepted`, undefined, instance);
  }
  if (error.type === 'entity.parse.failed') {
    return problemFor('validation_failed', 'The request body is not valid JSON', 'body', instance);
  }
  if (typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    const detail = error.expose ? error.message : 'The request body could not be read';
    return problemFor('validation_failed', detail, 'body', instance);
  }
  return problemFor('internal_error', 'An unexpected error occurred; it has been logged.', undefined, instance);
}
