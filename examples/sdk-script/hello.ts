// A short SDK script: sign in as a guest, join a room, say hello, print the latest history, leave.
// Run: npm run build && node examples/dist/sdk-script/hello.js [http://localhost:8080] [room]
import { ChatClient } from '@parley/sdk';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { guestToken, wsUrl } from '../guest.js';

/** Returns the lines it printed, for tests. */
export async function hello(server: string, room: string, print: (line: string) => void = console.log): Promise<string[]> {
  const lines: string[] = [];
  const out = (line: string) => (lines.push(line), print(line));
  const client = new ChatClient({ url: wsUrl(server), token: await guestToken(server, 'Hello Script'), WebSocket });
  try {
    const user = await client.connect();
    const lobby = await client.join(room);
    const ack = await lobby.send(`Hello from ${user.name}!`);
    out(`sent #${ack.seq} to ${room}`);
    const page = await lobby.history({ limit: 10 });
    for (const e of page.events) {
      if ('problem' in e) out(`(#${e.seq}: an event this SDK cannot read)`);
      else if (e.kind === 'msg') out(`[${new Date(e.ts).toISOString()}] ${e.name}: ${e.body}`);
      else out(`[${new Date(e.ts).toISOString()}] (${e.kind} by ${e.name})`);
    }
    // Closing only disconnects; a script that said hello should not stay in the member list for good.
    await lobby.leave();
    out(`left ${room}`);
  } finally {
    await client.close();
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await hello(process.argv[2] ?? process.env.PARLEY_URL ?? 'http://localhost:8080', process.argv[3] ?? 'lobby');
}
