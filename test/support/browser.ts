// Launches the Debian Chromium through playwright-core (never a downloaded browser). Missing Chromium:
// a failure under CI, a loud skip elsewhere.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`Chromium is required in CI but missing at ${CHROMIUM} (apt-get install -y chromium)`);
  console.warn(`\n${'!'.repeat(78)}\n!! Chromium not found at ${CHROMIUM}: the browser suites are SKIPPED.\n${'!'.repeat(78)}\n`);
  return false;
}

/** Fake camera and microphone, granted without asking (the call suites). */
export const FAKE_MEDIA = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

/** `extraArgs`: more Chromium switches, e.g. a fake microphone (`--use-fake-device-for-media-stream`). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}
