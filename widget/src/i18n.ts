// The widget's words in English and Brazilian Portuguese, and how a language is picked: the `lang`
// attribute wins, else navigator.language, else English.

export interface Catalog {
  openChat: string;
  closeChat: string;
  title: string;
  rooms: string;
  members: string;
  messagesLabel: string;
  messagePlaceholder: string;
  send: string;
  retry: string;
  sending: string;
  failed: string;
  newMessages: string;
  loadingOlder: string;
  noMessages: string;
  you: string;
  soundOn: string;
  rename: string;
  renameLabel: string;
  save: string;
  cancel: string;
  guestPrompt: string;
  guestName: string;
  guestSubmit: string;
  guestsDisabled: string;
  signInFailed: string;
  today: string;
  yesterday: string;
  status: Record<'connecting' | 'connected' | 'reconnecting' | 'offline', string>;
  presence: Record<'online' | 'away' | 'offline', string>;
  joined: (name: string) => string;
  left: (name: string) => string;
  renamedRoom: (name: string, room: string) => string;
  typing: (names: readonly string[]) => string;
  unread: (count: number) => string;
  newFrom: (name: string, room: string) => string;
}

const en: Catalog = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  title: 'Chat',
  rooms: 'Rooms',
  members: 'Members',
  messagesLabel: 'Messages',
  messagePlaceholder: 'Write a message…',
  send: 'Send',
  retry: 'Retry',
  sending: 'Sending…',
  failed: 'Not sent',
  newMessages: 'New messages',
  loadingOlder: 'Loading older messages…',
  noMessages: 'No messages yet. Say hello!',
  you: 'You',
  soundOn: 'Sound notifications',
  rename: 'Change your name',
  renameLabel: 'Your name',
  save: 'Save',
  cancel: 'Cancel',
  guestPrompt: 'Pick a name to join the chat.',
  guestName: 'Your name',
  guestSubmit: 'Start chatting',
  guestsDisabled: 'This chat needs you to sign in.',
  signInFailed: 'Could not sign in. Try again.',
  today: 'Today',
  yesterday: 'Yesterday',
  status: { connecting: 'Connecting…', connected: 'Online', reconnecting: 'Reconnecting…', offline: 'Offline' },
  presence: { online: 'online', away: 'away', offline: 'offline' },
  joined: (name) => `${name} joined`,
  left: (name) => `${name} left`,
  renamedRoom: (name, room) => `${name} renamed the room to ${room}`,
  typing: (names) =>
    names.length === 1
      ? `${names[0]} is typing…`
      : names.length === 2
        ? `${names[0]} and ${names[1]} are typing…`
        : `${names.length} people are typing…`,
  unread: (count) => (count === 1 ? '1 unread message' : `${count} unread messages`),
  newFrom: (name, room) => `${name} in ${room}`,
};

const ptBR: Catalog = {
  openChat: 'Abrir o chat',
  closeChat: 'Fechar o chat',
  title: 'Chat',
  rooms: 'Salas',
  members: 'Participantes',
  messagesLabel: 'Mensagens',
  messagePlaceholder: 'Escreva uma mensagem…',
  send: 'Enviar',
  retry: 'Tentar de novo',
  sending: 'Enviando…',
  failed: 'Não enviada',
  newMessages: 'Novas mensagens',
  loadingOlder: 'Carregando mensagens anteriores…',
  noMessages: 'Nenhuma mensagem ainda. Diga olá!',
  you: 'Você',
  soundOn: 'Som das notificações',
  rename: 'Mudar seu nome',
  renameLabel: 'Seu nome',
  save: 'Salvar',
  cancel: 'Cancelar',
  guestPrompt: 'Escolha um nome para entrar no chat.',
  guestName: 'Seu nome',
  guestSubmit: 'Começar a conversar',
  guestsDisabled: 'Este chat exige que você entre com sua conta.',
  signInFailed: 'Não foi possível entrar. Tente de novo.',
  today: 'Hoje',
  yesterday: 'Ontem',
  status: { connecting: 'Conectando…', connected: 'Conectado', reconnecting: 'Reconectando…', offline: 'Sem conexão' },
  presence: { online: 'online', away: 'ausente', offline: 'offline' },
  joined: (name) => `${name} entrou`,
  left: (name) => `${name} saiu`,
  renamedRoom: (name, room) => `${name} renomeou a sala para ${room}`,
  typing: (names) =>
    names.length === 1
      ? `${names[0]} está digitando…`
      : names.length === 2
        ? `${names[0]} e ${names[1]} estão digitando…`
        : `${names.length} pessoas estão digitando…`,
  unread: (count) => (count === 1 ? '1 mensagem não lida' : `${count} mensagens não lidas`),
  newFrom: (name, room) => `${name} em ${room}`,
};

/** The languages the widget ships. */
export const LANGS = { en, 'pt-BR': ptBR } as const;
export type Lang = keyof typeof LANGS;

/** Picks the catalog for `requested` (the lang attribute) or, when absent or unknown, the browser's language. */
export function resolveLang(requested: string | undefined, browser: readonly string[] = navigator.languages ?? [navigator.language]): Lang {
  for (const tag of [requested, ...browser]) {
    if (!tag) continue;
    // Any Portuguese falls back to the Brazilian catalog: closer than English for pt-PT readers.
    if (/^pt\b/i.test(tag)) return 'pt-BR';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}
