// Which core each process of a run is pinned to. The load generator always gets a core of its own
// (the last), because in several scenarios it is what sets the pace; server nodes get one core each
// below it when the machine has that many, and otherwise share core 0.

export interface Placement {
  /** Core of each server node, in node order. */
  servers: number[];
  /** Core of the load generator. */
  load: number;
}

/** undefined: no pinning (a single core, or no taskset). */
export function placement(nodes: number, cores: number, canPin: boolean): Placement | undefined {
  if (!canPin || cores < 2) return undefined;
  const load = cores - 1;
  // On 2 cores a two-node run puts both nodes on core 0 rather than one of them beside the load
  // generator: its deliveries per CPU-second then stay the servers' own, at the price of the nodes
  // competing with each other for one core (the report says so).
  const servers = nodes <= load ? Array.from({ length: nodes }, (_, i) => i) : Array.from({ length: nodes }, () => 0);
  return { servers, load };
}

/** Whether some nodes of the run share a core. */
export function nodesShareACore(p: Placement | undefined): boolean {
  return p !== undefined && new Set(p.servers).size < p.servers.length;
}
