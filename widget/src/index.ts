// @parley/widget: registers <chat-widget> and exports its class and event detail types (an allow-list).
import { ChatWidget } from './chat-widget.js';

// A page may load the widget twice (embed script plus a module import): the first definition wins.
if (!customElements.get('chat-widget')) customElements.define('chat-widget', ChatWidget);

export { ChatWidget };
export type { ChatMessageDetail, ChatUnreadDetail, ChatErrorDetail } from './chat-widget.js';
