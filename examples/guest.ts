// Signs in as a guest through the server's HTTP API: the way examples get a token without a backend.

/** Asks the server at `httpUrl` (e.g. http://localhost:8080) for a guest token. */
export async function guestToken(httpUrl: string, name: string): Promise<string> {
  const res = await fetch(new URL('/v1/guest', httpUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { token?: string; error?: { message: string } };
  if (!res.ok || !body.token) throw new Error(`guest sign-in failed (${res.status}): ${body.error?.message ?? 'no token'}`);
  return body.token;
}

/** ws://host:port/ws for an http(s) base URL. */
export function wsUrl(httpUrl: string): string {
  const u = new URL('/ws', httpUrl);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.toString();
}
