// The panel's words in English and Brazilian Portuguese, loaded with the panel; the launcher's few
// words and the choice of language are in lang.ts, part of the first load.
import { LAUNCHER, type Lang, type LauncherWords } from './lang.js';

export interface Catalog extends LauncherWords {
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
  /** The server refused the name (guest sign-in or rename): what a valid one looks like. */
  badName: string;
  tooManySignIns: string;
  unreachable: string;
  /** A failure the widget has no words of its own for: the server's reason, as it gave it. */
  failedBecause: (reason: string) => string;
  roomUnavailable: (room: string) => string;
  noRoom: string;
  /** Counter under the composer near the limit, e.g. "3,900 / 4,000". */
  count: (length: string, max: string) => string;
  tooLong: (max: string) => string;
  /** A send refused for good (`code` from the server or SDK): there is no Retry, so say why. */
  notSent: (code: string, message: string) => string;
  today: string;
  yesterday: string;
  status: Record<'connecting' | 'connected' | 'reconnecting' | 'offline' | 'signed-out', string>;
  presence: Record<'online' | 'away' | 'offline', string>;
  joined: (name: string) => string;
  left: (name: string) => string;
  renamedRoom: (name: string, room: string) => string;
  typing: (names: readonly string[]) => string;
}

const en: Catalog = {
  ...LAUNCHER.en,
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
  badName: 'That name cannot be used. Use 1 to 64 characters, without control or text-direction characters.',
  tooManySignIns: 'Too many sign-ins from here. Wait a few seconds and try again.',
  unreachable: 'Could not reach the chat server. Check your connection and try again.',
  failedBecause: (reason) => `That did not work: ${reason}`,
  roomUnavailable: (room) => `The room “${room}” is not available.`,
  noRoom: 'You are not in any room yet.',
  count: (length, max) => `${length} / ${max}`,
  tooLong: (max) => `This message is too long to send. Shorten it to ${max} characters or fewer.`,
  notSent: (code, message) => `Not sent: ${code === 'too_large' ? 'too long' : message}`,
  today: 'Today',
  yesterday: 'Yesterday',
  status: { connecting: 'Connecting…', connected: 'Online', reconnecting: 'Reconnecting…', offline: 'Offline', 'signed-out': 'Not signed in yet' },
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
};

const ptBR: Catalog = {
  ...LAUNCHER['pt-BR'],
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
  badName: 'Esse nome não pode ser usado. Use de 1 a 64 caracteres, sem caracteres de controle ou de direção do texto.',
  tooManySignIns: 'Muitas tentativas de entrar daqui. Espere alguns segundos e tente de novo.',
  unreachable: 'Não foi possível falar com o servidor do chat. Verifique sua conexão e tente de novo.',
  failedBecause: (reason) => `Não deu certo: ${reason}`,
  roomUnavailable: (room) => `A sala “${room}” não está disponível.`,
  noRoom: 'Você ainda não está em nenhuma sala.',
  count: (length, max) => `${length} / ${max}`,
  tooLong: (max) => `Esta mensagem é longa demais para enviar. Reduza para ${max} caracteres ou menos.`,
  notSent: (code, message) => `Não enviada: ${code === 'too_large' ? 'longa demais' : message}`,
  today: 'Hoje',
  yesterday: 'Ontem',
  status: { connecting: 'Conectando…', connected: 'Conectado', reconnecting: 'Reconectando…', offline: 'Sem conexão', 'signed-out': 'Você ainda não entrou' },
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
};

/** The panel's catalog for each language the widget ships. */
export const LANGS: Record<Lang, Catalog> = { en, 'pt-BR': ptBR };
