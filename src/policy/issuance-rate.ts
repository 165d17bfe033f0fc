// The safety net against re-issue loops: at most N issuances per Certificate in any rolling hour,
// counted from the inventory (status.history[].issuedAt). Loops are prevented by construction
// elsewhere (exact encoding, minimum duration, bounded renewBefore, post-issuance check); this
// stops whatever a future bug or a misbehaving authority might still cause. Pure.

/** Default issuances per Certificate per rolling hour (policy.maxIssuancesPerHour overrides). */
export const DEFAULT_MAX_ISSUANCES_PER_HOUR = 10;
export const ISSUANCE_WINDOW_MS = 3_600_000;

export interface RateVerdict {
  limited: boolean;
  /** Issuances inside the window. */
  count: number;
  /** When the oldest issuance leaves the window, if limited. */
  retryAt?: Date;
}

export function issuanceRate(issuedAt: readonly (string | undefined)[], now: Date, max = DEFAULT_MAX_ISSUANCES_PER_HOUR): RateVerdict {
  const since = now.getTime() - ISSUANCE_WINDOW_MS;
  const inWindow = issuedAt
    .map((t) => (t ? Date.parse(t) : NaN))
    .filter((t) => Number.isFinite(t) && t > since)
    .sort((a, b) => a - b);
  if (inWindow.length < max) return { limited: false, count: inWindow.length };
  // The window frees a slot when the (count - max + 1)-th oldest issuance leaves it.
  const freeAt = inWindow[inWindow.length - max]! + ISSUANCE_WINDOW_MS;
  return { limited: true, count: inWindow.length, retryAt: new Date(freeAt) };
}
