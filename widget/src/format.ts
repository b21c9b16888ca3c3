// Times, day labels and durations in the reader's language (the Intl formatters cached per language), and a message in one line.
import type { Catalog } from './i18n.js';

const cache = new Map<string, { time: Intl.DateTimeFormat; day: Intl.DateTimeFormat; full: Intl.DateTimeFormat }>();

function formatters(lang: string) {
  let f = cache.get(lang);
  if (!f) {
    f = {
      time: new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }),
      day: new Intl.DateTimeFormat(lang, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }),
      full: new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeStyle: 'short' }),
    };
    cache.set(lang, f);
  }
  return f;
}

/** "14:05" (or "02:05 PM"), for a message's time label. */
export function timeLabel(ts: number, lang: string): string {
  return formatters(lang).time.format(ts);
}

/** The full date and time, for a message's tooltip. */
export function fullLabel(ts: number, lang: string): string {
  return formatters(lang).full.format(ts);
}

/** A local calendar day key: messages on the same key share a date separator. */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** "Today", "Yesterday" or the full date, for a date separator. */
export function dayLabel(ts: number, lang: string, t: Catalog, now = Date.now()): string {
  const key = dayKey(ts);
  if (key === dayKey(now)) return t.today;
  const y = new Date(now);
  y.setDate(y.getDate() - 1);
  if (key === dayKey(y.getTime())) return t.yesterday;
  return formatters(lang).day.format(ts);
}

/** "m:ss" (or "h:mm:ss") for a duration in ms, rounded down to the second. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mm = Math.floor(s / 60) % 60;
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A message in one line (quotes, the reply preview, announcements): its text, or what it holds ("Voice message, 0:12"). */
export function messageText(m: { body?: string | undefined; attachments?: readonly { kind: string; duration?: number | undefined }[] | undefined }, t: Catalog): string {
  if (m.body) return m.body;
  const voice = m.attachments?.find((a) => a.kind === 'voice');
  return voice ? t.voice.message(clock(voice.duration ?? 0)) : '';
}
