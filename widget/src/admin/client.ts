// The admin console's HTTP client: every call carries the admin token in the Authorization header
// (never in a URL, so it is in no address bar, history, Referer or access log) and answers parsed JSON
// or throws an AdminError with the server's code and words.

export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where the token is kept between reloads of the console's tab: this tab only, gone when it closes. */
const TOKEN_KEY = 'parley-admin-token';

export function savedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage refused (private mode): the console still works until the tab reloads.
  }
}

export class AdminClient {
  constructor(private readonly token: string) {}

  get<T>(path: string, query?: Record<string, string | number | undefined>): Promise<T> {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, String(v));
    const qs = q.toString();
    return this.call<T>('GET', qs ? `${path}?${qs}` : path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  /** A room's moderation action (the same as the `moderate` frame). */
  moderate(room: string, action: Record<string, unknown>): Promise<unknown> {
    return this.post(`/admin/api/rooms/${encodeURIComponent(room)}/moderate`, action);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return request<T>(method, path, { authorization: `Bearer ${this.token}` }, body);
  }
}

/** One request to this server's admin API; `headers` besides JSON's. */
export async function request<T>(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    throw new AdminError(0, 'unreachable', 'the server cannot be reached');
  }
  const parsed = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) throw new AdminError(res.status, parsed.error?.code ?? 'error', parsed.error?.message ?? `HTTP ${res.status}`);
  return parsed as T;
}
