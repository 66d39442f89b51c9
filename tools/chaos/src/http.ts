/**
 * A small HTTP client for the chaos runs and the end-to-end specs: every call is bounded by a
 * timeout and never throws; a network failure or a timeout is an answer with `status` 0 and the
 * reason, so a load loop can count it like any other outcome.
 */

/** One answer as seen by the client. */
export interface Answer {
  /** HTTP status; 0 when no answer came (connection refused or reset, or the timeout). */
  status: number;
  contentType: string;
  retryAfter: string | null;
  text: string;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: any;
  elapsedMs: number;
  /** Why there is no status: `timeout` or the network error's message. */
  failure?: string;
}

export interface RequestOptions {
  /** JSON-encoded as the body (with `content-type: application/json` unless given). */
  json?: unknown;
  /** A raw body, sent as is. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /** `Authorization: Bearer <key>`. */
  key?: string;
  /** Gives up (status 0, failure `timeout`) after this long. */
  timeoutMs?: number;
}

/** Longest a call waits by default: the gateway's NATS timeout (5 s) plus a margin. */
export const defaultTimeoutMs = 10_000;

/** Sends one request; never throws. */
export async function call(base: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key !== undefined) headers['authorization'] = `Bearer ${options.key}`;
  let body: string | Buffer | undefined = options.raw;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const started = performance.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? defaultTimeoutMs);
  try {
    const response = await fetch(`${base}${path}`, { method, headers, body, signal: controller.signal });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      retryAfter: response.headers.get('retry-after'),
      text,
      body: parseJson(text),
      elapsedMs: performance.now() - started,
    };
  } catch (error) {
    const failure = controller.signal.aborted ? 'timeout' : describe(error);
    return { status: 0, contentType: '', retryAfter: null, text: '', body: undefined, elapsedMs: performance.now() - started, failure };
  } finally {
    clearTimeout(timer);
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

/** Whether an answer is RFC 9457 problem+json with our stable `code`. */
export function isProblem(answer: Answer): boolean {
  return answer.contentType.includes('application/problem+json') && typeof answer.body?.code === 'string' && answer.body?.status === answer.status;
}

/**
 * What an error body must never carry: a stack frame, a source location or SQL (STYLE: internal
 * detail is logged, not sent). Returns the first pattern found, or undefined.
 */
export function leakIn(text: string): string | undefined {
  const patterns: [string, RegExp][] = [
    ['stack frame', /\bat [\w$.<>]+ \(|\n\s+at /],
    ['source location', /\.ts:|\.js:\d+/],
    ['SQL SELECT', /\bSELECT\b/],
    ['SQL INSERT', /\bINSERT\b/],
    ['SQL relation', /\brelation\b/i],
    ['SQL syntax error', /syntax error/i],
  ];
  return patterns.find(([, pattern]) => pattern.test(text))?.[0];
}
