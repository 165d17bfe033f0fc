// What answers an ACME challenge (RFC 8555 §8): present the key authorization where the server
// will look, then clean it up once the authorization is decided, whatever the outcome.
import type { Identifier } from "./acme-client.ts";

export type ChallengeType = "http-01" | "dns-01";

export interface Challenge {
  identifier: Identifier;
  token: string;
  /** token.thumbprint (RFC 8555 §8.1); dns-01 publishes its SHA-256 instead (§8.4). */
  keyAuthorization: string;
  signal?: AbortSignal | undefined;
}

export interface ChallengeSolver {
  readonly type: ChallengeType;
  /** Resolves once the server can see the answer (a DNS solver waits for propagation). */
  present(c: Challenge): Promise<void>;
  /** Best effort; must not throw for an answer that is already gone. */
  cleanup(c: Challenge): Promise<void>;
}

/**
 * Which of the offered challenges to answer: dns-01 for wildcards (the only type allowed for
 * them), otherwise http-01 when a solver for it exists, else dns-01.
 */
export function pickSolver(identifier: Identifier, offered: readonly string[], solvers: readonly ChallengeSolver[]): ChallengeSolver | undefined {
  const wildcard = identifier.value.startsWith("*.");
  const order: ChallengeType[] = wildcard ? ["dns-01"] : ["http-01", "dns-01"];
  for (const type of order) {
    const solver = solvers.find((s) => s.type === type);
    if (solver && offered.includes(type)) return solver;
  }
  return undefined;
}
