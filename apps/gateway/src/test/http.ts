/** A small fetch wrapper for the gateway tests: JSON in, status + headers + parsed body out. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function http(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; json?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['authorization'] = `Bearer ${options.key}`;
  let body: string | Buffer | undefined;
  if (options.json !== undefined) body = JSON.stringify(options.json);
  if (options.raw !== undefined) body = options.raw;
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: tests assert on `text` / `contentType`
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', headers: response.headers, body: parsed, text };
}
