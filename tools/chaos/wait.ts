// Bounded waiting: every loop of the chaos suite ends by a deadline, never by hope.
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until check returns a value (not undefined/false); undefined once timeoutMs has passed. */
export async function pollUntil<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 250): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch {
      // the API server may be down on purpose: try again until the deadline
    }
    if (Date.now() >= deadline) return undefined;
    await sleep(everyMs);
  }
}

/** Like pollUntil, but a timeout is a harness failure. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const v = await pollUntil(check, timeoutMs, everyMs);
  if (v === undefined) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
  return v;
}

export const seconds = (ms: number | undefined): string => (ms === undefined ? "-" : (ms / 1000).toFixed(1));
