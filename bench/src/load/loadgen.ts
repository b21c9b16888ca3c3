// The load generator process (run pinned to its own core): holds one population of connections and
// runs the orchestrator's commands, received over the IPC channel, one at a time.
import { runPhase, quiesce, type Phase } from './phases.js';
import { Population, type PopulationSpec } from './population.js';

export type LoadCommand =
  | { cmd: 'connect'; spec: PopulationSpec; upto?: number }
  /** Opens more connections of the current population, up to `upto` (default: all). */
  | { cmd: 'grow'; upto?: number }
  /** Waits for `quietMs` without deliveries (default 250), then zeroes the counters. */
  | { cmd: 'quiesce'; quietMs?: number }
  | { cmd: 'phase'; phase: Phase }
  | { cmd: 'close' };

let pop: Population | undefined;

async function handle(msg: LoadCommand): Promise<unknown> {
  switch (msg.cmd) {
    case 'connect':
      pop?.closeAll();
      pop = new Population(msg.spec);
      return pop.connect(msg.upto);
    case 'grow':
      return need().connect(msg.upto);
    case 'quiesce':
      return quiesce(need(), msg.quietMs);
    case 'phase':
      return runPhase(need(), msg.phase);
    case 'close':
      pop?.closeAll();
      pop = undefined;
      return null;
  }
}

function need(): Population {
  if (!pop) throw new Error('no population: connect first');
  return pop;
}

// Commands are handled one after another; the reply carries the command's id.
let chain: Promise<unknown> = Promise.resolve();
process.on('message', (raw: { id: number } & LoadCommand) => {
  chain = chain.then(() =>
    handle(raw).then(
      (result) => process.send!({ id: raw.id, result }),
      (err: unknown) => process.send!({ id: raw.id, error: (err as Error).stack ?? String(err) }),
    ),
  );
});
process.on('disconnect', () => process.exit(0));
