// The fixed set of route names HTTP requests are counted under, so that metric labels stay bounded
// whatever paths clients ask for.
import { EMOJI_PATH } from './emoji-data.js';

/** `/v1/rooms/:id/events`, the room id captured. */
export const ROOM_EVENTS = /^\/v1\/rooms\/([^/]+)\/events$/;
/** An incoming webhook: `/v1/hooks/:id`. */
export const HOOK_ROUTE = /^\/v1\/hooks\/([0-9a-f]{16})$/;
/** A bot's post over HTTP: `/v1/bot/rooms/:id/messages`. */
export const BOT_SEND_ROUTE = /^\/v1\/bot\/rooms\/([^/]+)\/messages$/;
const EXACT = new Set(['/', '/healthz', '/readyz', '/metrics', '/v1/guest', '/v1/rooms', '/ws']);
/** A top-level file such as the widget's `/widget.js` or a chunk. */
const FILE = /^\/[\w.-]+\.(?:js|mjs|css|map|json|html|svg|png|ico|txt|woff2?)$/;

/** The route `path` belongs to: a known path, `/v1/rooms/:id/events`, `/:file`, or `other`. */
export function routeLabel(path: string): string {
  if (EXACT.has(path)) return path;
  if (ROOM_EVENTS.test(path)) return '/v1/rooms/:id/events';
  if (EMOJI_PATH.test(path)) return '/emoji/:lang.json';
  if (HOOK_ROUTE.test(path)) return '/v1/hooks/:id';
  if (BOT_SEND_ROUTE.test(path)) return '/v1/bot/rooms/:id/messages';
  if (FILE.test(path)) return '/:file';
  if (path.startsWith('/admin/api/')) return '/admin/api';
  if (path === '/admin' || path.startsWith('/admin/')) return '/admin';
  if (path.startsWith('/v1/admin/')) return '/v1/admin/*';
  return 'other';
}
