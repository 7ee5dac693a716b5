/**
 * The web app's typed client of the public REST API (the OpenAPI document at /docs-json):
 * fetch on the api's own origin, the user's key in sessionStorage (this tab's session only,
 * gone when it closes) sent as `Authorization: Bearer`, and RFC 9457 problem details
 * (application/problem+json) raised as `ApiProblem` for the page to show.
 */
import type { Problem } from './types';

const KEY_ITEM = 'retain.apiKey';

export const session = {
  key(): string | null {
    return sessionStorage.getItem(KEY_ITEM);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY_ITEM, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY_ITEM);
  },
};

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
}

/** A key the api accepts for retries of this one change (Idempotency-Key: the same change applies once). */
export function idempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Builds `path?query` from the defined, non-empty values of `query`. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

export const enc = encodeURIComponent;

async function problemOf(res: Response): Promise<Problem> {
  const type = res.headers.get('content-type') ?? '';
  if (/json/.test(type)) {
    const body = (await res.json().catch(() => null)) as Partial<Problem> | null;
    if (body && typeof body === 'object')
      return {
        type: body.type ?? 'about:blank',
        title: body.title ?? res.statusText,
        status: body.status ?? res.status,
        detail: body.detail ?? body.title ?? res.statusText,
        code: body.code ?? `HTTP.${res.status}`,
        instance: body.instance ?? '',
        ...(body.errors ? { errors: body.errors } : {}),
      };
  }
  return {
    type: 'about:blank',
    title: res.statusText || 'Request failed',
    status: res.status,
    detail: `The server answered ${res.status} ${res.statusText}`,
    code: `HTTP.${res.status}`,
    instance: '',
  };
}

/** Listeners told when the api refuses the key (401): the app signs out. */
const unauthorized = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorized.add(listener);
  return () => unauthorized.delete(listener);
}

/**
 * Calls the api. A change (not GET) carries an Idempotency-Key: `options.idempotencyKey`
 * when the caller keeps one for the change (a form submitted twice), else a fresh one.
 */
export async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
  options: { idempotencyKey?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = session.key();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['idempotency-key'] = options.idempotencyKey ?? idempotencyKey();
  let res: Response;
  try {
    res = await fetch(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (e) {
    throw new ApiProblem({
      type: 'about:blank',
      title: 'The api cannot be reached',
      status: 0,
      detail: e instanceof Error ? e.message : String(e),
      code: 'NETWORK',
      instance: path,
    });
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401) for (const l of unauthorized) l();
    throw new ApiProblem(problem);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string): Promise<T> => request<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}, options: { idempotencyKey?: string } = {}): Promise<T> =>
  request<T>('POST', path, body, options);
