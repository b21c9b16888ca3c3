// Waiting for a condition instead of a time: polls until it holds, fails after a deadline.

/** Resolves once `check` holds (polling every `everyMs`); rejects after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, everyMs = 20): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
