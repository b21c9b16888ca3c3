// Which core each process of a run is pinned to. Every server node gets a core of its own; the load
// generator gets the last core to itself when one is left over, and otherwise is not pinned (the
// scheduler runs it wherever a core is free). PostgreSQL and Redis are the machine's services: never
// pinned, in any run.

export interface Placement {
  /** Core of each server node, in node order. */
  servers: number[];
  /** Core of the load generator; undefined: not pinned (no core was left for it alone). */
  load: number | undefined;
}

/** undefined: no pinning (a single core, or no taskset). */
export function placement(nodes: number, cores: number, canPin: boolean): Placement | undefined {
  if (!canPin || cores < 2) return undefined;
  if (nodes < cores) return { servers: Array.from({ length: nodes }, (_, i) => i), load: cores - 1 };
  // On 2 cores a two-node run puts one node on each core (issue 17's target is "each node on its own
  // core"); the load generator then floats over both, beside whichever node is less busy, rather
  // than being pinned beside one node and slowing that node's subscribers alone.
  return { servers: Array.from({ length: nodes }, (_, i) => i % cores), load: undefined };
}

/** Whether some nodes of the run share a core. */
export function nodesShareACore(p: Placement | undefined): boolean {
  return p !== undefined && new Set(p.servers).size < p.servers.length;
}
