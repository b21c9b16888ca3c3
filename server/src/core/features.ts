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
  // Read positions, receipts and unread counts (section 18, ADR 0013).
  Feature.Receipts,
  Feature.Unread,
  // Web Push, notification settings (sections 18, 19); link previews (section 20) unless turned off.
  Feature.Push,
  Feature.NotifySettings,
  Feature.LinkPreviews,
  // Search over the current text of messages, and history pages around a seq (section 6.21).
  Feature.Search,
  // Roles, moderator actions, room rules, automatic protection (section 22) and reports.
  Feature.Moderation,
  Feature.Reports,
  Feature.MemberPages,
  // Bot accounts with keys, positions and ephemeral replies; command manifests and routing (section 21, ADR 0017).
  Feature.Bots,
  Feature.Commands,
  // Buttons and selects on bot messages, streamed replies (section 26, ADR 0021).
  Feature.Interactive,
  Feature.Streams,
  // Voice and video calls: ringing through the user log, signalling, call events (section 28, ADR 0024).
  Feature.Calls,
  // Incoming and outgoing webhooks, bots over HTTP, the moderation hook (section 27, ADR 0022).
  Feature.Webhooks,
  Feature.ModerationHook,
  // Uploads over HTTP (tus), attachments, signed downloads (section 24) unless uploads are off.
  Feature.Files,
  // Voice messages: voice attachments whose duration and waveform are checked (section 25, ADR 0020).
  Feature.Voice,
];

/** The features a server with this configuration announces. */
export function serverFeatures(config: { linkPreviews: boolean; uploadMaxBytes: number }): readonly Feature[] {
  return SERVER_FEATURES.filter((f) => (f !== Feature.LinkPreviews || config.linkPreviews) && ((f !== Feature.Files && f !== Feature.Voice) || config.uploadMaxBytes > 0));
}
