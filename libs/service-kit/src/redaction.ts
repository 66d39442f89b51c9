/**
 * What never reaches a log line: bearer credentials in URLs (the token of a portal link
 * `/portal/<token>…`, query strings), API keys, portal tokens, Stripe keys and webhook secrets,
 * cookies and Authorization values found in free text (error messages, problem details, stacks).
 * Every service's logger passes its messages and error objects through `redactLogArguments`
 * (ObservabilityModule), and the request lines through `redactUrl`; the problem and body-error
 * lines call them too. Redaction keeps the shape of the text (what kind of thing was there).
 */

/**
 * A URL or path as logged: the query string removed, the token of a portal link
 * (`/portal/<token>…`, any case) and any other secret `redactSecrets` recognises in the path (a
 * token or key sent to another path) replaced.
 */
export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  const query = queryAt === -1 || queryAt === url.length - 1 ? '' : '?[query]';
  return redactSecrets(path) + query;
}

/**
 * `/portal/<segment>` in a text, any case (Express routes case-insensitively); not the API's
 * `/api/portal/sessions`, which carries no token.
 */
const portalPathPattern = /(?<!\/api)(\/portal\/)[^/?#\s"'<>,;{}()[\]]+/gi;

/** Patterns of secrets in free text, each with what replaces it. */
const secretPatterns: readonly [RegExp, string][] = [
  [portalPathPattern, '$1[redacted]'],
  // The query string of a path or URL in a message: it may carry a token (`?token=…`).
  [/((?:https?:\/\/[^\s/?#"'<>]+)?\/[^\s?#"'<>]*)\?[^\s"'<>]*/gi, '$1?[query]'],
  // Domain and builder API keys; the 12-character prefix shown in listings stays readable.
  [/\b(chk_(?:dom|bld)_)[A-Za-z0-9_-]{5,}/g, '$1[redacted]'],
  // Portal tokens: `v2.<keyId>.<claims>.<signature>` (its shape is distinctive enough to need no
  // word boundary: `/portal%2Fv2.…` has none), and the former `v1.<claims>.<signature>`.
  [/v2\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[portal-token]'],
  [/\bv[12]\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]{8,}){1,2}/g, '[portal-token]'],
  // Stripe secret and restricted keys, webhook signing secrets.
  [/\b((?:sk|rk)_(?:test|live)_)[A-Za-z0-9]{6,}/g, '$1[redacted]'],
  [/\b(whsec_)[A-Za-z0-9+/=_-]{6,}/g, '$1[redacted]'],
  // Cookies and Authorization values quoted in a message.
  [/\b(chd_session=)[^;\s"',]+/g, '$1[redacted]'],
  // The scheme is case-insensitive (RFC 9110 §11.1): `bearer …` is a credential too.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{16,}/gi, '$1 [redacted]'],
];

/** `text` with every secret `secretPatterns` recognises replaced. */
export function redactSecrets(text: string): string {
  let redacted = text;
  for (const [pattern, replacement] of secretPatterns) redacted = redacted.replace(pattern, replacement);
  return redacted;
}

/** An error with its message and stack redacted (name kept), for a log line. */
function redactedError(error: Error): Error {
  const copy = new Error(redactSecrets(error.message));
  copy.name = error.name;
  copy.stack = error.stack === undefined ? undefined : redactSecrets(error.stack);
  return copy;
}

/** A log argument redacted: strings, errors, and the string and error fields of a merge object (one level). */
function redactArgument(argument: unknown): unknown {
  if (typeof argument === 'string') return redactSecrets(argument);
  if (argument instanceof Error) return redactedError(argument);
  if (argument === null || typeof argument !== 'object' || Array.isArray(argument)) return argument;
  let copy: Record<string, unknown> | undefined;
  for (const [name, value] of Object.entries(argument)) {
    const redacted = typeof value === 'string' ? redactSecrets(value) : value instanceof Error ? redactedError(value) : value;
    if (redacted !== value) (copy ??= { ...(argument as Record<string, unknown>) })[name] = redacted;
  }
  return copy ?? argument;
}

/**
 * pino `hooks.logMethod`: every argument of a log call redacted before the line is written
 * (messages, the `err` of error lines, string fields). pino-http's request and response objects
 * are left to their serializers (URL through `redactUrl`, no headers).
 */
export function redactLogArguments(this: unknown, args: unknown[], method: (...args: unknown[]) => void): void {
  method.apply(this, args.map(redactArgument));
}
