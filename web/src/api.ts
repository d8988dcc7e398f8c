// The API client: JSON over fetch with the session cookie; problem+json errors become ApiError.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly lines: { line: number; message: string }[] | undefined;
  readonly errors: { path: string; message: string }[] | undefined;
  constructor(status: number, code: string, message: string, extra: { lines?: { line: number; message: string }[]; errors?: { path: string; message: string }[] } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.lines = extra.lines;
    this.errors = extra.errors;
  }
}

let onUnauthenticated: (() => void) | null = null;
/** Called when a request answers 401 (the session ended): the app shows the login page. */
export function setUnauthenticatedHandler(f: (() => void) | null): void {
  onUnauthenticated = f;
}

export const API = '/api/v1';

export async function request<T>(method: string, path: string, body?: unknown, opts: { raw?: boolean; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, {
      method,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'netkeep does not answer: check that the server runs and that this machine can reach it, then try again');
  }
  if (res.status === 204) return undefined as T;
  if (!res.ok) {
    let p: { code?: string; detail?: string; title?: string; lines?: { line: number; message: string }[]; errors?: { path: string; message: string }[] } = {};
    try {
      p = await res.json();
    } catch {
      // not problem+json (a proxy's error page)
    }
    if (res.status === 401 && path !== '/auth/login' && onUnauthenticated) onUnauthenticated();
    throw new ApiError(res.status, p.code ?? `http_${res.status}`, p.detail ?? `${res.status} ${p.title ?? res.statusText}`, { lines: p.lines, errors: p.errors });
  }
  if (opts.raw) return (await res.text()) as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal ? { signal } : {}),
  text: (path: string) => request<string>('GET', path, undefined, { raw: true }),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T = void>(path: string) => request<T>('DELETE', path, undefined),
};

export const enc = encodeURIComponent;

/** Query string from an object, leaving out undefined and '' values. */
export function qs(o: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
