/** An answer of the api over HTTP: its status, content type and body (JSON parsed when it is JSON). */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: any;
}

export interface HttpRequestOptions {
  key?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * One HTTP request to `baseUrl` with fetch, for the suites that drive real processes (the
 * reliability suite, the cluster suite): the key as a bearer token, a JSON body (or the
 * raw bytes a signature was made over); a dropped or refused connection throws, so the
 * caller decides whether to retry.
 */
export async function httpRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: HttpRequestOptions,
  defaultTimeoutMs: number,
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? defaultTimeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: parsed };
}
