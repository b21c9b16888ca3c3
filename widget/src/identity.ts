// Where the widget's access token comes from: the host's token or getToken(), else a guest token from
// the server's POST /v1/guest, remembered with the guest's name in localStorage across reloads.

const KEY = 'parley:guest:';

/** What is remembered about a guest, per server. */
export interface GuestRecord {
  name: string;
  token: string;
  /** Unix ms after which the token is no longer accepted. */
  expiresAt: number;
}

/** POST /v1/guest answered with an error; `code` is the server's (`forbidden` when guests are off). */
export class GuestSignInError extends Error {
  override name = 'GuestSignInError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads localStorage, tolerating browsers (private modes, sandboxed frames) that throw on access. */
export function readStored(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeStored(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Storage full or blocked: the widget still works, it just forgets across reloads.
  }
}

export function loadGuest(server: string): GuestRecord | undefined {
  const raw = readStored(KEY + server);
  if (!raw) return undefined;
  try {
    const rec = JSON.parse(raw) as Partial<GuestRecord>;
    if (typeof rec.name === 'string' && typeof rec.token === 'string' && typeof rec.expiresAt === 'number') return rec as GuestRecord;
  } catch {
    // A corrupt record is treated as none.
  }
  return undefined;
}

export function saveGuest(server: string, record: GuestRecord | undefined): void {
  writeStored(KEY + server, record ? JSON.stringify(record) : null);
}

/** Signs in as a guest named `name`; resolves with the record to remember. */
export async function signInGuest(server: string, name: string): Promise<GuestRecord> {
  let res: Response;
  try {
    // credentials: 'omit' — the widget never sends or reads the host page's cookies.
    res = await fetch(new URL('/v1/guest', server), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
      credentials: 'omit',
    });
  } catch (err) {
    throw new GuestSignInError('network', (err as Error).message);
  }
  const body = (await res.json().catch(() => ({}))) as {
    token?: string;
    user?: { name?: string };
    expiresAt?: number;
    error?: { code?: string; message?: string };
  };
  if (!res.ok || typeof body.token !== 'string') {
    throw new GuestSignInError(body.error?.code ?? `http_${res.status}`, body.error?.message ?? res.statusText);
  }
  // expiresAt is Unix ms; without it the token is only trusted for this page's first connection.
  const exp = typeof body.expiresAt === 'number' ? body.expiresAt : 0;
  return { name: body.user?.name ?? name, token: body.token, expiresAt: exp };
}

/**
 * Supplies tokens to the SDK's getToken for a guest: the remembered token first while it is valid,
 * then (the SDK asks again only after an expiry or a rejection) a fresh one under the same name.
 */
export function guestTokenSource(server: string, onRenew: (record: GuestRecord) => void): () => Promise<string> {
  let first = true;
  return async () => {
    const stored = loadGuest(server);
    if (!stored) throw new GuestSignInError('no_guest', 'no guest name remembered');
    if (first && stored.expiresAt > Date.now() + 30_000) {
      first = false;
      return stored.token;
    }
    first = false;
    const fresh = await signInGuest(server, stored.name);
    saveGuest(server, fresh);
    onRenew(fresh);
    return fresh.token;
  };
}
