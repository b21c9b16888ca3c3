// Start-up failures that the operator fixes outside the configuration's values (a port taken, a
// database down): each names what to change in one line, which main.ts prints without a stack trace.

/** A node could not start for a reason in its environment; `message` says what to fix. */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

/** The port could not be bound: another process holds it, or the address is not this machine's. */
export class ListenError extends StartupError {
  override readonly name = 'ListenError';
}

/** The configured PostgreSQL could not be used while the node started: unreachable, login refused, no such database. */
export class DatabaseStartError extends StartupError {
  override readonly name = 'DatabaseStartError';
}
