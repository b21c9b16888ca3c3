// What this server does beyond protocol v1, announced in `welcome.features` (ADR 0011). A feature
// is listed here once it works end to end; clients check the list before using it.
import { Feature } from '@parley/sdk/protocol';

export const SERVER_FEATURES: readonly Feature[] = [
  // Client frames with a key the server does not know are refused with bad_frame naming the key.
  Feature.StrictRequests,
  // Message changes, replies, threads and mentions (protocol sections 6.12, 6.13, 6.17-6.19, 8.5).
  Feature.Edit,
  Feature.Delete,
  Feature.Reactions,
  Feature.Replies,
  Feature.Threads,
  Feature.Mentions,
  // The per-user log (section 17) and device ids in hello (section 4.1).
  Feature.UserLog,
  Feature.Devices,
  // Bot accounts with keys, positions and ephemeral replies; command manifests and routing (section 21, ADR 0017).
  Feature.Bots,
  Feature.Commands,
];
