// Go-style durations as Kubernetes and cert-manager write them ("8400h", "1h30m", "45s").
// The pattern accepts a subset of Go's time.ParseDuration (what CEL's duration() uses):
// only h, m and s, in that order, unsigned integers, digit counts capped so the sum
// stays far below Go's int64-nanosecond limit. So a CEL rule can always call duration().
import { z } from "zod";

const H = 3_600_000;
const M = 60_000;
const S = 1_000;

export const DURATION_PATTERN =
  /^(?:[0-9]{1,6}h(?:[0-9]{1,7}m)?(?:[0-9]{1,8}s)?|[0-9]{1,7}m(?:[0-9]{1,8}s)?|[0-9]{1,8}s)$/;

const PARTS = /^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/;

const HINT = 'use hours, minutes and seconds such as "8400h", "1h30m" or "45s"';

/** 350 days, the default certificate lifetime. */
export const DEFAULT_DURATION = "8400h";
/** Shortest lifetime a profile allows when its policy.minDuration is unset. */
export const DEFAULT_MIN_DURATION = "1h";
/** 60 days before expiry, the default renewal point. */
export const DEFAULT_RENEW_BEFORE = "1440h";

/** Expiry notice window when a profile sets none: 60 days, as the seed platforms warn. */
export const DEFAULT_EXPIRY_NOTICE = "1440h";

export const durationString = z
  .string()
  .max(24)
  .regex(DURATION_PATTERN, { message: `invalid duration: ${HINT}` });

export function isDuration(s: string): boolean {
  return DURATION_PATTERN.test(s);
}

/** Milliseconds of a Go-style duration; throws on anything the pattern refuses. */
export function parseDuration(s: string): number {
  const m = DURATION_PATTERN.test(s) ? PARTS.exec(s) : null;
  if (m === null) throw new Error(`invalid duration ${JSON.stringify(s)}: ${HINT}`);
  const [, h = "0", min = "0", sec = "0"] = m;
  return Number(h) * H + Number(min) * M + Number(sec) * S;
}

/** Shortest h/m/s form ("1h30m", "8400h", "0s"), rounded to whole seconds. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms} ms`);
  let rest = Math.round(ms / S) * S;
  const h = Math.floor(rest / H);
  rest -= h * H;
  const m = Math.floor(rest / M);
  const s = (rest - m * M) / S;
  const out = (h > 0 ? `${h}h` : "") + (m > 0 ? `${m}m` : "") + (s > 0 ? `${s}s` : "");
  return out === "" ? "0s" : out;
}
