// What a Certificate's published JWK Set holds, decided from its current key, the keys it held
// before (remembered with the time they were superseded) and its status history: the current key
// unless revoked, then each superseded key until its overlap ends, it expires or it is revoked.
import type { PublicJwk } from "../../pki/jwks.ts";

export interface KnownKey {
  jwk: PublicJwk;
  serialNumber: string;
  notAfter: string;
}

export interface RetiredKey extends KnownKey {
  /** When the operator saw this key replaced (RFC 3339). */
  retiredAt: string;
}

/** What the publisher remembers per Certificate (its ConfigMap). */
export interface JwksState {
  current?: KnownKey;
  retired: RetiredKey[];
}

export interface JwksInputs {
  /** The key in the Secret now (undefined: no usable certificate). */
  live: KnownKey | undefined;
  /** Serials the Certificate's status records as revoked. */
  revoked: ReadonlySet<string>;
  now: Date;
  overlapMs: number;
}

/** At most this many superseded keys are kept: rekeys faster than the overlap should not grow the set without end. */
export const MAX_RETIRED = 5;

/** The state to remember after seeing `inputs`: a replaced key moves to retired (unless revoked). */
export function nextState(state: JwksState, inputs: JwksInputs): JwksState {
  const now = inputs.now.getTime();
  let retired = state.retired;
  const replaced = state.current && state.current.jwk.kid !== inputs.live?.jwk.kid ? state.current : undefined;
  if (replaced && inputs.live) retired = [{ ...replaced, retiredAt: inputs.now.toISOString() }, ...retired];
  const keep = retired.filter(
    (r, i, all) =>
      !inputs.revoked.has(r.serialNumber) &&
      r.jwk.kid !== inputs.live?.jwk.kid &&
      Date.parse(r.retiredAt) + inputs.overlapMs > now &&
      Date.parse(r.notAfter) > now &&
      all.findIndex((o) => o.jwk.kid === r.jwk.kid) === i,
  );
  // With no live key yet (the Secret is being rewritten) the last one known stays current.
  return { current: inputs.live ?? state.current, retired: keep.slice(0, MAX_RETIRED) };
}

/** The keys served now: current (unless revoked or expired) first, then the retired still in overlap. */
export function servedKeys(state: JwksState, inputs: JwksInputs): PublicJwk[] {
  const s = nextState(state, inputs);
  const now = inputs.now.getTime();
  const current = s.current && !inputs.revoked.has(s.current.serialNumber) && Date.parse(s.current.notAfter) > now ? [s.current.jwk] : [];
  return [...current, ...s.retired.map((r) => r.jwk)].map(publicMembers);
}

/** When the served set changes by itself next (a retired key's overlap or a key's expiry ends), in ms from now. */
export function nextChangeInMs(state: JwksState, inputs: JwksInputs): number | undefined {
  const s = nextState(state, inputs);
  const now = inputs.now.getTime();
  const times = [
    ...s.retired.flatMap((r) => [Date.parse(r.retiredAt) + inputs.overlapMs, Date.parse(r.notAfter)]),
    ...(s.current ? [Date.parse(s.current.notAfter)] : []),
  ].filter((t) => t > now);
  return times.length > 0 ? Math.min(...times) - now : undefined;
}

const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  RSA: ["kty", "kid", "use", "alg", "n", "e", "x5c", "x5t#S256"],
  EC: ["kty", "kid", "use", "alg", "crv", "x", "y", "x5c", "x5t#S256"],
  OKP: ["kty", "kid", "use", "alg", "crv", "x", "x5c", "x5t#S256"],
};

/**
 * Copies only the public members by name. What is served may come from a ConfigMap anyone with
 * access could edit: a private member (d, p, q, dp, dq, qi, oth, k) can never pass through here.
 */
export function publicMembers(jwk: PublicJwk): PublicJwk {
  const allowed = PUBLIC_MEMBERS[jwk.kty] ?? [];
  const out: Record<string, unknown> = {};
  for (const m of allowed) {
    const v = (jwk as unknown as Record<string, unknown>)[m];
    if (m === "x5c" ? Array.isArray(v) && v.every((c) => typeof c === "string") : typeof v === "string") out[m] = v;
  }
  return out as unknown as PublicJwk;
}
