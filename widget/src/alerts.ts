// Attention-getters, loaded lazily on first use: a short chime synthesised with Web Audio (no sound
// file to fetch) and a system Notification while the page is hidden.

let audio: AudioContext | undefined;

/** Creates or resumes the audio context; call from a user gesture so browsers let it play later. */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
  } catch {
    // No Web Audio (or blocked): stay silent.
  }
}

/** Two soft sine notes, ~0.25 s in all. Silent when the context has not been unlocked yet. */
export function chime(): void {
  if (!audio || audio.state !== 'running') return;
  const now = audio.currentTime;
  for (const [i, freq] of [880, 1318.5].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    const start = now + i * 0.09;
    osc.type = 'sine';
    osc.frequency.value = freq;
    // A quick attack and an exponential tail avoid the clicks of a hard on/off.
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.12, start + 0.012);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
    osc.connect(gain).connect(audio.destination);
    osc.start(start);
    osc.stop(start + 0.18);
  }
}

/** Asks for notification permission once; needs a user gesture in most browsers. */
export function askNotificationPermission(): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return;
  void Notification.requestPermission().catch(() => {});
}

/** Shows a system notification if allowed; clicking it focuses the page and calls `onClick`. */
export function notify(title: string, body: string, tag: string, onClick: () => void): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body: body.slice(0, 200), tag });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker: nothing to do then.
  }
}
