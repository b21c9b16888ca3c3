// What the widget's browser suites do to a page again and again: find a part of <chat-widget> (through
// its shadow root, by the `part` names the widget documents for theming) and sign in as a guest.
import type { Locator, Page } from 'playwright-core';

/** How long one step of a widget story may take before the suite calls it failed. */
export const WIDGET_STEP_MS = 15_000;

/** The element(s) of the page's <chat-widget> carrying the part `name`. */
export const part = (page: Page, name: string): Locator => page.locator(`chat-widget [part~="${name}"]`);

/** Resolves once the widget on `page` says it is connected. */
export function connected(page: Page, timeout = WIDGET_STEP_MS): Promise<void> {
  return part(page, 'status').and(page.locator('[data-state="connected"]')).waitFor({ timeout });
}

/** Opens the panel, signs in as a guest called `name` and waits until the widget is connected. */
export async function signInAsGuest(page: Page, name: string, timeout = WIDGET_STEP_MS): Promise<void> {
  await part(page, 'launcher').click();
  await part(page, 'guest-name').fill(name);
  await part(page, 'guest-submit').click();
  await connected(page, timeout);
}
