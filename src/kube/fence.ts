// Write fencing: a replica may start a write only while it holds the leader lease. KubeRest asks
// the fence right before it sends any write, and the term's signal aborts writes in flight.

/** A write was refused because this replica does not (or no longer surely) hold the lease. */
export class FencedError extends Error {
  override name = "FencedError";
}

export interface WriteFence {
  /** Throws FencedError unless a write may start right now. */
  check(): void;
  /** The current term's signal: aborted when leadership ends; undefined while not leading. */
  readonly signal: AbortSignal | undefined;
}

/** True for a refused write, also when undici wrapped it ("fetch failed", cause: FencedError). */
export function isFenced(e: unknown): boolean {
  if (e instanceof FencedError) return true;
  return e instanceof Error && e.cause instanceof FencedError;
}
