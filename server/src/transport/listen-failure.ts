// Why a port cannot be listened on: uWS only reports failure, so the same bind is tried with node:net,
// whose error code tells a port in use from an address that is not this machine's, and the answer
// names the option to change.
import { createServer } from 'node:net';
import { ListenError } from '../startup-errors.js';

/**
 * Throws ListenError when `host`:`port` cannot be bound right now: checked before the slow part of a
 * start (opening the store), so that a second process on a taken port fails at once.
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  const code = await bindError(host, port);
  if (code !== undefined) throw describe(host, port, code);
}

/** The ListenError for a listen on `host`:`port` that uWS refused, with the reason when the system gives one. */
export async function listenFailure(host: string, port: number): Promise<ListenError> {
  return describe(host, port, await bindError(host, port));
}

function describe(host: string, port: number, code: string | undefined): ListenError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const reason =
    code === 'EADDRINUSE'
      ? 'the port is in use by another process (another Parley?); stop it, or set PARLEY_PORT to a free port (PARLEY_REUSE_PORT=true shares it on purpose)'
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges); set PARLEY_PORT to a port above 1023'
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'the address is not one of this machine\'s; set PARLEY_HOST (0.0.0.0 listens on every interface)'
          : `${code ?? 'the port is taken or the address unusable'}; check PARLEY_HOST and PARLEY_PORT`;
  return new ListenError(`cannot listen on ${where}: ${reason}`);
}

function bindError(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}
