// Handlers of push_subscribe (31), push_unsubscribe (32), notify_settings (33) and link_preview (34):
// what a user asks to be told and how, and the preview card of a message's first link (ADR 0016).
import {
  ErrorCode,
  Limits,
  type LinkPreviewFrame,
  type NotifySettingsFrame,
  type Op,
  type PushSubscribeFrame,
  type PushUnsubscribeFrame,
  type ResultData,
} from '@parley/sdk/protocol';
import { firstLink, PreviewsBusy } from '../outbound/link-previews.js';
import { endpointResolves, subscriptionProblem } from '../outbound/web-push.js';
import { badRequest, notFound, RequestError } from './errors.js';
import type { Notifications } from './notifications.js';
import { requireMember, requireVisible } from './room-state.js';
import type { Session } from './session.js';

function notifications(s: Session): Notifications {
  const n = s.hub.notifications;
  if (!n) throw new RequestError(ErrorCode.Unavailable, 'notifications are not ready on this server yet');
  return n;
}

export async function pushSubscribe(s: Session, f: PushSubscribeFrame): Promise<ResultData[typeof Op.PushSubscribe]> {
  notifications(s);
  const problem = subscriptionProblem(f.endpoint, f.p256dh, f.auth, s.hub.guard) ?? (await endpointResolves(f.endpoint, s.hub.guard));
  if (problem) throw badRequest(problem);
  const kept = await s.hub.store.notify.subscribe({ endpoint: f.endpoint, user: s.userId, device: s.device ?? null, p256dh: f.p256dh, auth: f.auth }, Limits.maxPushSubscriptions);
  if (kept === null) {
    throw new RequestError(ErrorCode.LimitReached, `you already keep ${Limits.maxPushSubscriptions} push subscriptions, the most allowed: remove one first (push_unsubscribe)`);
  }
  return { subscriptions: kept };
}

export async function pushUnsubscribe(s: Session, f: PushUnsubscribeFrame): Promise<ResultData[typeof Op.PushUnsubscribe]> {
  return { removed: await s.hub.store.notify.unsubscribe(f.endpoint, s.userId) };
}

export async function notifySettings(s: Session, f: NotifySettingsFrame): Promise<ResultData[typeof Op.NotifySettings]> {
  const { notify } = s.hub.store;
  if ((f.room === undefined) !== (f.muted === undefined)) throw badRequest('"room" and "muted" go together');
  if (f.dnd === undefined && f.room === undefined) return notify.settings(s.userId);
  // Muting needs a room one is in; unmuting is always possible (a room one left may still be listed).
  if (f.room !== undefined && f.muted) await requireMember(s, f.room);
  const changed = await notify.changeSettings(s.userId, { dnd: f.dnd, room: f.room, muted: f.muted }, Limits.maxMutedRooms);
  if (!changed) throw new RequestError(ErrorCode.LimitReached, `you already muted ${Limits.maxMutedRooms} rooms, the most allowed`);
  return changed;
}

export async function linkPreview(s: Session, f: LinkPreviewFrame): Promise<ResultData[typeof Op.LinkPreview]> {
  const previews = notifications(s).previews;
  if (!previews) throw new RequestError(ErrorCode.NotFound, 'link previews are off on this server');
  // Only links people were sent can be previewed: the server is nobody's fetching proxy.
  if (!s.memberOf.has(f.room)) await requireVisible(s, f.room);
  const message = await s.hub.store.message(f.room, f.seq);
  if (!message || message.deleted) throw notFound(`no message ${f.seq} in "${f.room}"`);
  const url = firstLink(message.body ?? '');
  if (!url) throw notFound(`message ${f.seq} has no http(s) link`);
  try {
    const preview = await previews.preview(url);
    if (!preview) throw notFound(`${url} has no preview`);
    return preview;
  } catch (err) {
    if (err instanceof PreviewsBusy) throw new RequestError(ErrorCode.RateLimited, err.message, 1000);
    throw err;
  }
}
