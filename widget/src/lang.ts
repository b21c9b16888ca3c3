// How the widget picks its language (the `lang` attribute, else navigator.languages, else English),
// and the few words the always-loaded launcher needs. The panel's words load with the panel (i18n.ts).

/** Words and writing direction needed before the panel loads. */
export interface LauncherWords {
  /** Writing direction of this language: the widget sets it itself, so a page's `direction` cannot mirror it. */
  dir: 'ltr' | 'rtl';
  openChat: string;
  unread: (count: number) => string;
  newFrom: (name: string, room: string) => string;
  /** A voice message in one line, e.g. "Voice message, 0:12" (also in the push notification, parley-sw.ts). */
  voiceMessage: (duration: string) => string;
}

const en: LauncherWords = {
  dir: 'ltr',
  openChat: 'Open chat',
  unread: (count) => (count === 1 ? '1 unread message' : `${count} unread messages`),
  newFrom: (name, room) => `${name} in ${room}`,
  voiceMessage: (duration) => `Voice message, ${duration}`,
};

const ptBR: LauncherWords = {
  dir: 'ltr',
  openChat: 'Abrir o chat',
  unread: (count) => (count === 1 ? '1 mensagem não lida' : `${count} mensagens não lidas`),
  newFrom: (name, room) => `${name} em ${room}`,
  voiceMessage: (duration) => `Mensagem de voz, ${duration}`,
};

/** The languages the widget ships, with their launcher words. */
export const LAUNCHER = { en, 'pt-BR': ptBR } as const;
export type Lang = keyof typeof LAUNCHER;

/** Picks the language for `requested` (the lang attribute) or, when absent or unknown, the browser's language. */
export function resolveLang(requested: string | undefined, browser: readonly string[] = navigator.languages ?? [navigator.language]): Lang {
  for (const tag of [requested, ...browser]) {
    if (!tag) continue;
    // Any Portuguese falls back to the Brazilian catalog: closer than English for pt-PT readers.
    if (/^pt\b/i.test(tag)) return 'pt-BR';
    if (/^en\b/i.test(tag)) return 'en';
  }
  return 'en';
}

/** A call's length as m:ss (or h:mm:ss). */
export function callLength(ms: number): string {
  const s = Math.round(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}
