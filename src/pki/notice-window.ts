// How long before expiry a certificate is "expiring soon" (the ExpiryNotice condition, its Event
// and the certwright_certificate_expiry_notice metric). A fixed 60-day default would put every
// short-lived certificate (30 days, 2 hours) in the window from the moment it is issued, so an
// unset window shrinks to a third of the lifetime; a window the profile sets is used as written.

/** The notice window in ms: explicitMs when the profile sets one, else min(defaultMs, lifetime / 3). */
export function noticeWindowMs(o: { explicitMs?: number | undefined; defaultMs: number; lifetimeMs?: number | undefined }): number {
  if (o.explicitMs !== undefined) return o.explicitMs;
  if (o.lifetimeMs === undefined || !Number.isFinite(o.lifetimeMs) || o.lifetimeMs <= 0) return o.defaultMs;
  return Math.min(o.defaultMs, Math.floor(o.lifetimeMs / 3));
}

/** notAfter - notBefore of RFC 3339 timestamps, or undefined when either is missing or unreadable. */
export function lifetimeMs(notBefore: string | undefined, notAfter: string | undefined): number | undefined {
  if (!notBefore || !notAfter) return undefined;
  const ms = Date.parse(notAfter) - Date.parse(notBefore);
  return Number.isFinite(ms) ? ms : undefined;
}
