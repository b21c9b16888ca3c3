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
  /** The button that opens a message's actions, and the menu it opens. */
  messageActions: string;
  /** A focusable message's label: who wrote it and when. */
  messageFrom: (name: string, time: string) => string;
  react: string;
  reactWith: (emoji: string) => string;
  /** A reaction chip: the emoji, how many, who (first few), and whether the reader is among them. */
  reactionLabel: (emoji: string, count: number, names: readonly string[], mine: boolean) => string;
  reply: string;
  replyInThread: string;
  edit: string;
  delete: string;
  edited: string;
  deletedMessage: string;
  editLabel: string;
  editHint: string;
  confirmDelete: string;
  /** Words for a refused edit or delete, by error code; else failedBecause. */
  tooLate: string;
  notYours: string;
  gone: string;
  replyingTo: (name: string) => string;
  cancelReply: string;
  /** A quote: whose message it quotes; activating it goes to the original. */
  quoteOf: (name: string) => string;
  quoteMissing: string;
  replies: (count: number) => string;
  thread: string;
  backToRoom: string;
  threadPlaceholder: string;
  noReplies: string;
  mentionList: string;
  /** The `/` list of the room's bot commands. */
  commandList: string;
  /** A command's bot is not connected: the command would not be sent. */
  botOffline: (bot: string) => string;
  argQuote: string;
  argMissing: (arg: string) => string;
  argExtra: (text: string) => string;
  argInt: (arg: string) => string;
  argRange: (arg: string, min?: number, max?: number) => string;
  argChoice: (arg: string, choices: string) => string;
  /** The badge beside a bot's name, and its longer explanation. */
  botBadge: string;
  verifiedBot: string;
  /** Marks a bot's reply only the reader sees. */
  onlyYou: string;
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
  messageActions: 'Message actions',
  messageFrom: (name, time) => `${name}, ${time}`,
  react: 'React',
  reactWith: (emoji) => `React with ${emoji}`,
  reactionLabel: (emoji, count, names, mine) =>
    `${emoji} ${count}${names.length ? `: ${names.join(', ')}${count > names.length ? ` and ${count - names.length} more` : ''}` : ''}${mine ? '. Press to take yours back' : ''}`,
  reply: 'Reply',
  replyInThread: 'Reply in thread',
  edit: 'Edit',
  delete: 'Delete',
  edited: '(edited)',
  deletedMessage: 'Message deleted',
  editLabel: 'Edit your message',
  editHint: 'Enter saves, Escape cancels',
  confirmDelete: 'Delete this message for everyone?',
  tooLate: 'Too late to change this message: the time to edit it is over.',
  notYours: 'Only the author can change this message.',
  gone: 'This message no longer exists.',
  replyingTo: (name) => `Replying to ${name}`,
  cancelReply: 'Cancel reply',
  quoteOf: (name) => `Reply to ${name}: go to the message`,
  quoteMissing: 'An earlier message',
  replies: (count) => (count === 1 ? '1 reply' : `${count} replies`),
  thread: 'Thread',
  backToRoom: 'Back to the room',
  threadPlaceholder: 'Reply in the thread…',
  noReplies: 'No replies yet.',
  mentionList: 'People to mention',
  commandList: 'Bot commands',
  botOffline: (bot) => `${bot} is offline, so this command cannot be sent now.`,
  argQuote: 'A quote is left open: close it with ".',
  argMissing: (arg) => `Add the ${arg}.`,
  argExtra: (text) => `This command takes nothing more than that (“${text}”).`,
  argInt: (arg) => `The ${arg} must be a whole number.`,
  argRange: (arg, min, max) => (min !== undefined && max !== undefined ? `The ${arg} must be from ${min} to ${max}.` : min !== undefined ? `The ${arg} must be ${min} or more.` : `The ${arg} must be ${max} or less.`),
  argChoice: (arg, choices) => `The ${arg} must be one of: ${choices}.`,
  botBadge: 'Bot',
  verifiedBot: 'Verified bot: an account created by this chat’s administrators',
  onlyYou: 'Only you can see this',
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
  notSent: (code, message) => `Não enviada: ${code === 'too_large' ? 'longa demais' : code === 'bot_offline' ? 'o bot deste comando está offline' : message}`,
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
  messageActions: 'Ações da mensagem',
  messageFrom: (name, time) => `${name}, ${time}`,
  react: 'Reagir',
  reactWith: (emoji) => `Reagir com ${emoji}`,
  reactionLabel: (emoji, count, names, mine) =>
    `${emoji} ${count}${names.length ? `: ${names.join(', ')}${count > names.length ? ` e mais ${count - names.length}` : ''}` : ''}${mine ? '. Pressione para retirar a sua' : ''}`,
  reply: 'Responder',
  replyInThread: 'Responder em conversa',
  edit: 'Editar',
  delete: 'Apagar',
  edited: '(editada)',
  deletedMessage: 'Mensagem apagada',
  editLabel: 'Edite sua mensagem',
  editHint: 'Enter salva, Esc cancela',
  confirmDelete: 'Apagar esta mensagem para todos?',
  tooLate: 'Tarde demais para mudar esta mensagem: o prazo para editá-la acabou.',
  notYours: 'Só quem escreveu pode mudar esta mensagem.',
  gone: 'Esta mensagem não existe mais.',
  replyingTo: (name) => `Respondendo a ${name}`,
  cancelReply: 'Cancelar resposta',
  quoteOf: (name) => `Resposta a ${name}: ir para a mensagem`,
  quoteMissing: 'Uma mensagem anterior',
  replies: (count) => (count === 1 ? '1 resposta' : `${count} respostas`),
  thread: 'Conversa',
  backToRoom: 'Voltar para a sala',
  threadPlaceholder: 'Responda na conversa…',
  noReplies: 'Nenhuma resposta ainda.',
  mentionList: 'Pessoas para mencionar',
  commandList: 'Comandos de bots',
  botOffline: (bot) => `${bot} está offline; este comando não pode ser enviado agora.`,
  argQuote: 'Há uma aspa aberta: feche-a com ".',
  argMissing: (arg) => `Falta informar ${arg}.`,
  argExtra: (text) => `Este comando não aceita mais nada além disso (“${text}”).`,
  argInt: (arg) => `${arg} precisa ser um número inteiro.`,
  argRange: (arg, min, max) => (min !== undefined && max !== undefined ? `${arg} precisa estar entre ${min} e ${max}.` : min !== undefined ? `${arg} precisa ser ${min} ou mais.` : `${arg} precisa ser ${max} ou menos.`),
  argChoice: (arg, choices) => `${arg} precisa ser um destes: ${choices}.`,
  botBadge: 'Bot',
  verifiedBot: 'Bot verificado: uma conta criada pelos administradores deste chat',
  onlyYou: 'Só você vê isto',
};

/** The panel's catalog for each language the widget ships. */
export const LANGS: Record<Lang, Catalog> = { en, 'pt-BR': ptBR };
