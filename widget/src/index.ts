// @parley/widget: registers <chat-widget> and exports its class and event detail types (an allow-list).
import { ChatWidget, WIDGET_BRAND } from './chat-widget.js';

const defined = customElements.get('chat-widget');
if (!defined) {
  customElements.define('chat-widget', ChatWidget);
} else if (!(WIDGET_BRAND in defined)) {
  // Another script owns the tag: nothing of ours can render. No widget element exists to fire on, so
  // the page hears it on document (the event bubbles on to window).
  const message = 'the <chat-widget> tag is already defined by another script on this page; the Parley chat cannot start';
  console.error(`[parley] ${message}`);
  document.dispatchEvent(new CustomEvent('chat-error', { detail: { code: 'tag_taken', message }, bubbles: true, composed: true }));
}
// A second copy of Parley's own widget (embed script plus a module import) leaves the first one in place.

export { ChatWidget };
export type { ChatMessageDetail, ChatUnreadDetail, ChatErrorDetail } from './chat-widget.js';
