// The panel's words in English and Brazilian Portuguese, loaded with the panel; the launcher's few
// words and the choice of language are in lang.ts, part of the first load.
import { callLength, LAUNCHER, type Lang, type LauncherWords } from './lang.js';

/** The panel's words about calls; the call view's own are in call-words.ts, loaded with it. */
export interface CallNotices {
  /** The header button that opens the voice / video choice. */
  menu: string;
  audio: string;
  video: string;
  started: (name: string, video: boolean) => string;
  /** `ms`: how long it lasted. */
  ended: (ms: number) => string;
  missed: (name: string) => string;
}

/** Words of bot buttons, selects and streamed replies, in their lazy chunk's own shape. */
export interface InteractiveWords {
  /** The group of a message's buttons, for screen readers. */
  group: string;
  pending: string;
  done: string;
  /** A click refused: why, in words, from the error code. */
  failed: (code: string) => string;
  /** A select's first, empty line. */
  choose: string;
  /** A reply still being written by `bot`. */
  writing: (bot: string) => string;
  stop: string;
  stopping: string;
  stopFailed: string;
}

export interface Catalog extends LauncherWords {
  calls: CallNotices;
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
  /** Why a message was not sent, in words (moderation's reasons included: muted, slow mode, held...). */
  notSent: (refused: { code: string; message: string; reason?: string; retryAfter?: number }) => string;
  /** Above the composer while muted: for how long. */
  mutedFor: (minutes: number) => string;
  /** Above the composer in slow mode: the interval. */
  slowMode: (seconds: number) => string;
  lockedRoom: string;
  guestsRead: string;
  pinned: string;
  report: string;
  reported: string;
  reportReason: string;
  pin: string;
  unpin: string;
  muteAuthor: string;
  banAuthor: string;
  moderated: string;
  removedByModerator: string;
  /** Moderator buttons in the member list: short text, and a label naming the member. */
  muteShort: string;
  banShort: string;
  muteMember: (name: string) => string;
  banMember: (name: string) => string;
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
  /** Under the user's last message in a direct room: stored, reached the other person, read by them. */
  receipt: Record<'sent' | 'delivered' | 'seen', string>;
  /** Under the last message of a small room: who has read it. */
  seenBy: (names: readonly string[]) => string;
  /** Why a large room shows no "seen by": only rooms of at most `size` members do. */
  seenByLimit: (size: number) => string;
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
  /** Search (lazy search view). */
  search: string;
  searchLabel: string;
  searchPlaceholder: string;
  searching: string;
  searchEmpty: (query: string) => string;
  searchHint: string;
  searchFailed: (reason: string) => string;
  searchTooLong: (max: number) => string;
  searchNoWords: string;
  searchSlowDown: string;
  searchMore: string;
  searchResultIn: (room: string, name: string, time: string) => string;
  foundMessage: string;
  backToLatest: string;
  viewingFound: string;
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
  /** The badge beside an incoming webhook's name (an integration posting over HTTP), and its explanation. */
  hookBadge: string;
  hookTitle: string;
  /** Marks a bot's reply only the reader sees. */
  onlyYou: string;
  /** Buttons and selects on bot messages, and streamed replies (feature `interactive`, `streams`). */
  interactive: InteractiveWords;
  /** Notifications: Web Push for this browser, do not disturb, muting a room. */
  notify: {
    title: string;
    push: string;
    pushHint: string;
    pushDenied: string;
    pushFailed: string;
    dnd: string;
    muteRoom: string;
    silenceHint: string;
  };
  emoji: EmojiWords;
  voice: VoiceWords;
  files: FileWords;
}

/** The voice recorder's and player's words (protocol section 25). */
export interface VoiceWords {
  /** The composer's microphone button: what it does, for screen readers and as its tooltip. */
  record: string;
  /** Shown while the button is held. */
  holdHint: string;
  recording: string;
  stopAndSend: string;
  cancel: string;
  cancelled: string;
  sending: string;
  /** The live level meter's name. */
  level: string;
  /** The time recorded and the most allowed (`limits.maxVoiceMs`), e.g. "0:12 / 5:00". */
  elapsed: (now: string, max: string) => string;
  /** Said when a recording reached the longest a voice message may be and was stopped. */
  limitReached: (max: string) => string;
  /** Said under the recorder: the limit, in words, before anyone hits it. */
  limitHint: (max: string) => string;
  tooShort: string;
  denied: string;
  noMicrophone: string;
  failed: string;
  /** The player. */
  message: (duration: string) => string;
  play: string;
  pause: string;
  /** The waveform slider's name and its value in words. */
  position: string;
  positionText: (now: string, total: string) => string;
  speed: (rate: string) => string;
  unavailable: string;
}

/** Files: the composer's attach button, the upload tray, attachments and the image viewer (feature `files`). */
export interface FileWords {
  attach: string;
  dropHere: string;
  /** The list of files waiting to be sent. */
  tray: string;
  /** A file's upload progress, for screen readers and the bar's title. */
  progress: (name: string, percent: string) => string;
  uploaded: (name: string) => string;
  cancelUpload: (name: string) => string;
  retryUpload: (name: string) => string;
  remove: (name: string) => string;
  /** The send waits for uploads still running. */
  waiting: string;
  tooLarge: (name: string, size: string, max: string) => string;
  tooMany: (max: string) => string;
  typeRefused: (name: string) => string;
  empty: (name: string) => string;
  quota: (name: string, quota: string) => string;
  rate: string;
  imageTooLarge: (name: string) => string;
  badImage: (name: string) => string;
  interrupted: (name: string) => string;
  /** Any other refusal: the server's reason as it gave it. */
  refused: (name: string, reason: string) => string;
  openImage: (name: string) => string;
  download: (name: string, size: string) => string;
  viewer: string;
  close: string;
  previous: string;
  next: string;
  position: (index: string, count: string) => string;
  unavailable: string;
}

/** The emoji picker's and the `:shortcode:` list's words. */
export interface EmojiWords {
  /** The composer's button that opens the picker. */
  open: string;
  picker: string;
  search: string;
  skinTone: string;
  /** Default (yellow), then Fitzpatrick 1-2 to 6. */
  tones: readonly [string, string, string, string, string, string];
  recent: string;
  /** The picker's categories, by emojibase group number (2, skin-tone components, is not shown). */
  groups: Readonly<Record<number, string>>;
  none: string;
  loading: string;
  failed: string;
  /** The actions menu's item that opens the picker for a reaction. */
  moreReactions: string;
  suggestions: string;
}

const en: Catalog = {
  ...LAUNCHER.en,
  calls: {
    menu: 'Call',
    audio: 'Voice call',
    video: 'Video call',
    started: (name, video) => `${name} started a ${video ? 'video' : 'voice'} call`,
    ended: (ms) => `Call ended · ${callLength(ms)}`,
    missed: (name) => `Missed call from ${name}`,
  },
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
  notSent: ({ code, message, reason, retryAfter }) => {
    const min = Math.max(1, Math.ceil((retryAfter ?? 0) / 60_000));
    const sec = Math.max(1, Math.ceil((retryAfter ?? 0) / 1000));
    switch (reason) {
      case 'muted': return retryAfter ? `Not sent: you are muted here for ${min} more ${min === 1 ? 'minute' : 'minutes'}` : 'Not sent: you are muted here';
      case 'slow': return `Not sent: slow mode, wait ${sec} s before your next message`;
      case 'held': return 'Held for a moderator to review';
      case 'banned': return 'Not sent: you were banned from this room';
      case 'locked': return 'Not sent: the room is locked (read-only)';
      case 'guests': return 'Not sent: guests can only read this room';
      case 'filter': return 'Not sent: a word in it is not allowed here';
      case 'links': return `Not sent: new guests can post links in ${min} ${min === 1 ? 'minute' : 'minutes'}`;
      case 'hook': return code === 'unavailable' ? 'Not sent yet: this room’s moderation check did not answer; trying again' : `Not sent: ${message}`;
      case 'voice': return `Not sent: the server refused this recording (${message})`;
    }
    return `Not sent: ${code === 'too_large' ? 'too long' : message}`;
  },
  mutedFor: (m) => `You are muted for ${m} ${m === 1 ? 'minute' : 'minutes'}`,
  slowMode: (s) => `Slow mode: one message every ${s} s`,
  lockedRoom: 'This room is locked: read-only for now',
  guestsRead: 'Guests can read this room; sign in to take part',
  pinned: 'Pinned',
  report: 'Report',
  reported: 'Reported. Thanks, a moderator will look at it',
  reportReason: 'Reported from the chat widget',
  pin: 'Pin',
  unpin: 'Unpin',
  muteAuthor: 'Mute author for 10 min',
  banAuthor: 'Ban author',
  moderated: 'Done',
  removedByModerator: 'A moderator removed you from this room',
  muteShort: 'Mute',
  banShort: 'Ban',
  muteMember: (name) => `Mute ${name} for 10 minutes`,
  banMember: (name) => `Ban ${name} from this room`,
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
  receipt: { sent: 'Sent', delivered: 'Delivered', seen: 'Seen' },
  seenBy: (names) => `Seen by ${names.join(', ')}`,
  seenByLimit: (size) => `Who has read a message is shown only in rooms of up to ${size} members.`,
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
  search: 'Search messages',
  searchLabel: 'Search in your rooms',
  searchPlaceholder: 'Search messages…',
  searching: 'Searching…',
  searchEmpty: (query) => `No messages match “${query}”.`,
  searchHint: 'Type words to find. Accents and capitals do not matter; part of a word (3 letters or more) is enough.',
  searchFailed: (reason) => `The search did not work: ${reason}`,
  searchTooLong: (max) => `Search for ${max} characters or fewer.`,
  searchNoWords: 'Type at least one word (letters or digits).',
  searchSlowDown: 'Too many searches at once. Wait a moment and try again.',
  searchMore: 'More results',
  searchResultIn: (room, name, time) => `In ${room}, ${name}, ${time}`,
  foundMessage: 'The message you searched for',
  backToLatest: 'Back to the latest messages',
  viewingFound: 'Older messages, around the one you found',
  threadPlaceholder: 'Reply in the thread…',
  noReplies: 'No replies yet.',
  mentionList: 'People to mention',
  emoji: {
    open: 'Insert emoji',
    picker: 'Emoji',
    search: 'Search emoji',
    skinTone: 'Skin tone',
    tones: ['Default', 'Light', 'Medium-light', 'Medium', 'Medium-dark', 'Dark'],
    recent: 'Recently used',
    groups: { 0: 'Smileys and emotion', 1: 'People and body', 3: 'Animals and nature', 4: 'Food and drink', 5: 'Travel and places', 6: 'Activities', 7: 'Objects', 8: 'Symbols', 9: 'Flags' },
    none: 'No emoji found.',
    loading: 'Loading emoji…',
    failed: 'The emoji could not be loaded. Try again later.',
    moreReactions: 'More reactions…',
    suggestions: 'Emoji suggestions',
  },
  files: {
    attach: 'Attach files',
    dropHere: 'Drop files to attach them',
    tray: 'Files to send',
    progress: (name, percent) => `${name}: ${percent} uploaded`,
    uploaded: (name) => `${name} is ready to send`,
    cancelUpload: (name) => `Cancel the upload of ${name}`,
    retryUpload: (name) => `Try uploading ${name} again`,
    remove: (name) => `Remove ${name}`,
    waiting: 'Your message will be sent when the files finish uploading.',
    tooLarge: (name, size, max) => `${name} is ${size}; files can be at most ${max}.`,
    tooMany: (max) => `At most ${max} files can go in one message.`,
    typeRefused: (name) => `${name} is a kind of file this chat does not accept (web pages, SVG images and programs are refused).`,
    empty: (name) => `${name} is empty.`,
    quota: (name, quota) => `${name} does not fit: your files can take ${quota} in all. Delete messages with files to make room.`,
    rate: 'You are sending files too fast. Wait a minute and try again.',
    imageTooLarge: (name) => `${name} has too many pixels for this chat to show.`,
    badImage: (name) => `${name} could not be read as an image: it is damaged or incomplete.`,
    interrupted: (name) => `The upload of ${name} was interrupted.`,
    refused: (name, reason) => `${name} was not accepted: ${reason}`,
    openImage: (name) => `Open the image ${name}`,
    download: (name, size) => `Download ${name} (${size})`,
    viewer: 'Image viewer',
    close: 'Close',
    previous: 'Previous image',
    next: 'Next image',
    position: (index, count) => `${index} of ${count}`,
    unavailable: 'This file is no longer available.',
  },
  notify: {
    title: 'Notifications',
    push: 'Notify me when I am away',
    pushHint: 'Direct messages and mentions reach this browser even when the chat is closed. The server sends the sender, the room and the start of the message.',
    pushDenied: 'Notifications are blocked for this site in your browser settings.',
    pushFailed: 'Notifications could not be turned on in this browser.',
    dnd: 'Do not disturb',
    muteRoom: 'Mute this room',
    silenceHint: 'Silences the sound, pop-ups and away notifications. Unread counts still show.',
  },
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
  hookBadge: 'Integration',
  hookTitle: 'Posted by an integration (a webhook) set up by this room’s owner or the chat’s administrators',
  voice: {
    record: 'Record a voice message: hold to talk, or press once to record hands-free',
    holdHint: 'Release to send, slide off to cancel',
    recording: 'Recording a voice message',
    stopAndSend: 'Stop and send',
    cancel: 'Cancel recording',
    cancelled: 'Voice message cancelled',
    sending: 'Sending voice message…',
    level: 'Microphone level',
    elapsed: (now, max) => `${now} / ${max}`,
    limitReached: (max) => `A voice message can be at most ${max} long, so the recording stopped there and is being sent.`,
    limitHint: (max) => `Voice messages can be up to ${max} long.`,
    tooShort: 'Too short to send: hold the button while you talk, or press it once to record hands-free.',
    denied: 'The microphone is blocked for this site. Allow it in your browser settings to record voice messages.',
    noMicrophone: 'No microphone was found.',
    failed: 'The voice message could not be recorded in this browser.',
    message: LAUNCHER.en.voiceMessage,
    play: 'Play voice message',
    pause: 'Pause voice message',
    position: 'Playback position',
    positionText: (now, total) => `${now} of ${total}`,
    speed: (rate) => `Playback speed ${rate}`,
    unavailable: 'This voice message cannot be played.',
  },
  onlyYou: 'Only you can see this',
  interactive: {
    group: 'Bot actions',
    pending: 'Sending…',
    done: 'Sent to the bot',
    failed: (code) =>
      code === 'bot_offline'
        ? 'Not sent: the bot is offline. Try again later.'
        : code === 'replayed'
          ? 'Already sent: each click counts once.'
          : code === 'forbidden'
            ? 'Not sent: this is not available to you (or no longer).'
            : code === 'not_found'
              ? 'Not sent: this message or option is gone.'
              : code === 'rate_limited'
                ? 'Not sent: too many clicks. Wait a moment.'
                : 'Not sent: something went wrong.',
    choose: 'Choose…',
    writing: (bot) => `${bot} is writing`,
    stop: 'Stop',
    stopping: 'Stopping…',
    stopFailed: 'Could not stop it',
  },
};

const ptBR: Catalog = {
  ...LAUNCHER['pt-BR'],
  calls: {
    menu: 'Ligar',
    audio: 'Chamada de voz',
    video: 'Chamada de vídeo',
    started: (name, video) => `${name} iniciou uma chamada de ${video ? 'vídeo' : 'voz'}`,
    ended: (ms) => `Chamada encerrada · ${callLength(ms)}`,
    missed: (name) => `Chamada perdida de ${name}`,
  },
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
  notSent: ({ code, message, reason, retryAfter }) => {
    const min = Math.max(1, Math.ceil((retryAfter ?? 0) / 60_000));
    const sec = Math.max(1, Math.ceil((retryAfter ?? 0) / 1000));
    switch (reason) {
      case 'muted': return retryAfter ? `Não enviada: você está silenciado aqui por mais ${min} ${min === 1 ? 'minuto' : 'minutos'}` : 'Não enviada: você está silenciado aqui';
      case 'slow': return `Não enviada: modo lento, espere ${sec} s para a próxima mensagem`;
      case 'held': return 'Retida para revisão de um moderador';
      case 'banned': return 'Não enviada: você foi banido desta sala';
      case 'locked': return 'Não enviada: a sala está trancada (só leitura)';
      case 'guests': return 'Não enviada: convidados só podem ler esta sala';
      case 'filter': return 'Não enviada: uma palavra nela não é permitida aqui';
      case 'links': return `Não enviada: convidados novos podem enviar links daqui a ${min} ${min === 1 ? 'minuto' : 'minutos'}`;
      case 'hook': return code === 'unavailable' ? 'Ainda não enviada: a verificação de moderação desta sala não respondeu; tentando de novo' : `Não enviada: a moderação desta sala recusou (“${message}”)`;
      case 'voice': return `Não enviada: o servidor recusou esta gravação (${message})`;
    }
    return `Não enviada: ${code === 'too_large' ? 'longa demais' : code === 'bot_offline' ? 'o bot deste comando está offline' : message}`;
  },
  mutedFor: (m) => `Você está silenciado por ${m} ${m === 1 ? 'minuto' : 'minutos'}`,
  slowMode: (s) => `Modo lento: uma mensagem a cada ${s} s`,
  lockedRoom: 'Esta sala está trancada: só leitura por enquanto',
  guestsRead: 'Convidados podem ler esta sala; entre para participar',
  pinned: 'Fixada',
  report: 'Denunciar',
  reported: 'Denúncia enviada. Obrigado, um moderador vai analisar',
  reportReason: 'Denunciada pelo widget de chat',
  pin: 'Fixar',
  unpin: 'Desafixar',
  muteAuthor: 'Silenciar autor por 10 min',
  banAuthor: 'Banir autor',
  moderated: 'Feito',
  removedByModerator: 'Um moderador removeu você desta sala',
  muteShort: 'Silenciar',
  banShort: 'Banir',
  muteMember: (name) => `Silenciar ${name} por 10 minutos`,
  banMember: (name) => `Banir ${name} desta sala`,
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
  receipt: { sent: 'Enviada', delivered: 'Entregue', seen: 'Vista' },
  seenBy: (names) => `Vista por ${names.join(', ')}`,
  seenByLimit: (size) => `Quem leu uma mensagem só aparece em salas de até ${size} membros.`,
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
  search: 'Pesquisar mensagens',
  searchLabel: 'Pesquisar nas suas salas',
  searchPlaceholder: 'Pesquisar mensagens…',
  searching: 'Pesquisando…',
  searchEmpty: (query) => `Nenhuma mensagem corresponde a “${query}”.`,
  searchHint: 'Digite palavras para encontrar. Acentos e maiúsculas não importam; parte de uma palavra (3 letras ou mais) basta.',
  searchFailed: (reason) => `A pesquisa não funcionou: ${reason}`,
  searchTooLong: (max) => `Pesquise com ${max} caracteres ou menos.`,
  searchNoWords: 'Digite pelo menos uma palavra (letras ou números).',
  searchSlowDown: 'Pesquisas demais ao mesmo tempo. Espere um pouco e tente de novo.',
  searchMore: 'Mais resultados',
  searchResultIn: (room, name, time) => `Em ${room}, ${name}, ${time}`,
  foundMessage: 'A mensagem que você pesquisou',
  backToLatest: 'Voltar para as mensagens mais recentes',
  viewingFound: 'Mensagens antigas, em volta da que você encontrou',
  threadPlaceholder: 'Responda na conversa…',
  noReplies: 'Nenhuma resposta ainda.',
  mentionList: 'Pessoas para mencionar',
  emoji: {
    open: 'Inserir emoji',
    picker: 'Emoji',
    search: 'Buscar emoji',
    skinTone: 'Tom de pele',
    tones: ['Padrão', 'Clara', 'Média-clara', 'Média', 'Média-escura', 'Escura'],
    recent: 'Usados recentemente',
    groups: { 0: 'Carinhas e emoções', 1: 'Pessoas e corpo', 3: 'Animais e natureza', 4: 'Comidas e bebidas', 5: 'Viagens e lugares', 6: 'Atividades', 7: 'Objetos', 8: 'Símbolos', 9: 'Bandeiras' },
    none: 'Nenhum emoji encontrado.',
    loading: 'Carregando emoji…',
    failed: 'Não foi possível carregar os emoji. Tente mais tarde.',
    moreReactions: 'Mais reações…',
    suggestions: 'Sugestões de emoji',
  },
  files: {
    attach: 'Anexar arquivos',
    dropHere: 'Solte os arquivos para anexá-los',
    tray: 'Arquivos a enviar',
    progress: (name, percent) => `${name}: ${percent} enviado`,
    uploaded: (name) => `${name} está pronto para enviar`,
    cancelUpload: (name) => `Cancelar o envio de ${name}`,
    retryUpload: (name) => `Tentar enviar ${name} de novo`,
    remove: (name) => `Remover ${name}`,
    waiting: 'Sua mensagem será enviada quando os arquivos terminarem de subir.',
    tooLarge: (name, size, max) => `${name} tem ${size}; os arquivos podem ter no máximo ${max}.`,
    tooMany: (max) => `No máximo ${max} arquivos por mensagem.`,
    typeRefused: (name) => `${name} é de um tipo que este chat não aceita (páginas web, imagens SVG e programas são recusados).`,
    empty: (name) => `${name} está vazio.`,
    quota: (name, quota) => `${name} não cabe: seus arquivos podem ocupar ${quota} no total. Apague mensagens com arquivos para liberar espaço.`,
    rate: 'Você está enviando arquivos rápido demais. Espere um minuto e tente de novo.',
    imageTooLarge: (name) => `${name} tem pixels demais para este chat mostrar.`,
    badImage: (name) => `${name} não pôde ser lido como imagem: está danificado ou incompleto.`,
    interrupted: (name) => `O envio de ${name} foi interrompido.`,
    refused: (name, reason) => `${name} não foi aceito: ${reason}`,
    openImage: (name) => `Abrir a imagem ${name}`,
    download: (name, size) => `Baixar ${name} (${size})`,
    viewer: 'Visualizador de imagens',
    close: 'Fechar',
    previous: 'Imagem anterior',
    next: 'Próxima imagem',
    position: (index, count) => `${index} de ${count}`,
    unavailable: 'Este arquivo não está mais disponível.',
  },
  notify: {
    title: 'Notificações',
    push: 'Avise-me quando eu estiver ausente',
    pushHint: 'Mensagens diretas e menções chegam a este navegador mesmo com o chat fechado. O servidor envia o remetente, a sala e o início da mensagem.',
    pushDenied: 'As notificações deste site estão bloqueadas nas configurações do navegador.',
    pushFailed: 'Não foi possível ativar as notificações neste navegador.',
    dnd: 'Não perturbe',
    muteRoom: 'Silenciar esta sala',
    silenceHint: 'Silencia o som, os avisos e as notificações de ausência. As contagens de não lidas continuam.',
  },
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
  hookBadge: 'Integração',
  hookTitle: 'Enviada por uma integração (um webhook) configurada pelo dono da sala ou pelos administradores do chat',
  voice: {
    record: 'Gravar mensagem de voz: segure para falar, ou pressione uma vez para gravar sem segurar',
    holdHint: 'Solte para enviar, deslize para cancelar',
    recording: 'Gravando mensagem de voz',
    stopAndSend: 'Parar e enviar',
    cancel: 'Cancelar gravação',
    cancelled: 'Mensagem de voz cancelada',
    sending: 'Enviando mensagem de voz…',
    level: 'Nível do microfone',
    elapsed: (now, max) => `${now} / ${max}`,
    limitReached: (max) => `Uma mensagem de voz pode ter no máximo ${max}; por isso a gravação parou aí e está sendo enviada.`,
    limitHint: (max) => `Mensagens de voz podem ter até ${max}.`,
    tooShort: 'Curta demais para enviar: segure o botão enquanto fala, ou pressione uma vez para gravar sem segurar.',
    denied: 'O microfone está bloqueado para este site. Permita-o nas configurações do navegador para gravar mensagens de voz.',
    noMicrophone: 'Nenhum microfone foi encontrado.',
    failed: 'Não foi possível gravar a mensagem de voz neste navegador.',
    message: LAUNCHER['pt-BR'].voiceMessage,
    play: 'Ouvir mensagem de voz',
    pause: 'Pausar mensagem de voz',
    position: 'Posição da reprodução',
    positionText: (now, total) => `${now} de ${total}`,
    speed: (rate) => `Velocidade ${rate}`,
    unavailable: 'Esta mensagem de voz não pode ser reproduzida.',
  },
  onlyYou: 'Só você vê isto',
  interactive: {
    group: 'Ações do bot',
    pending: 'Enviando…',
    done: 'Enviado ao bot',
    failed: (code) =>
      code === 'bot_offline'
        ? 'Não enviado: o bot está offline. Tente mais tarde.'
        : code === 'replayed'
          ? 'Já enviado: cada clique conta uma vez.'
          : code === 'forbidden'
            ? 'Não enviado: isto não está disponível para você (ou não mais).'
            : code === 'not_found'
              ? 'Não enviado: esta mensagem ou opção não existe mais.'
              : code === 'rate_limited'
                ? 'Não enviado: cliques demais. Espere um pouco.'
                : 'Não enviado: algo deu errado.',
    choose: 'Escolha…',
    writing: (bot) => `${bot} está escrevendo`,
    stop: 'Parar',
    stopping: 'Parando…',
    stopFailed: 'Não foi possível parar',
  },
};

/** The panel's catalog for each language the widget ships. */
export const LANGS: Record<Lang, Catalog> = { en, 'pt-BR': ptBR };
