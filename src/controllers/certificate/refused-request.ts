// Remembers an authority's refusal that is asked again later, so the same request is not sent
// again before its recheck time by whatever reconciles the Certificate meanwhile (a watch event,
// a forced reconcile, a restart). What counts as "the same": the Certificate's generation, the
// profile's generation and a digest of what was asked (an external CSR may change in its Secret
// without a new generation). Pure.
import { createHash } from "node:crypto";
import { toRFC3339 } from "../../api/conditions.ts";
import type { RefusedRequest } from "../../api/refused-request.ts";
import type { CsrInfo } from "../../pki/csr.ts";
import type { DesiredRequest } from "./desired.ts";

/** What a request was made from. */
export interface RequestInputs {
  generation: number;
  profileGeneration: number;
  requestDigest: string;
}

export function requestInputs(generation: number, profileGeneration: number, desired: DesiredRequest, csr?: Pick<CsrInfo, "publicKeyPem">): RequestInputs {
  const asked = {
    type: desired.type,
    subject: desired.subjectSpec,
    sans: desired.sans,
    key: desired.key,
    durationMs: desired.durationMs,
    csrKey: csr?.publicKeyPem ?? null,
  };
  return { generation, profileGeneration, requestDigest: createHash("sha256").update(stableJson(asked)).digest("hex") };
}

export function refusedRequestRecord(inputs: RequestInputs, at: Date, recheckAfterMs: number): RefusedRequest {
  return { ...inputs, time: toRFC3339(at), retryTime: toRFC3339(new Date(at.getTime() + recheckAfterMs)) };
}

/**
 * Milliseconds until the refused request may be sent again, or undefined when it may be now:
 * none was refused, something it was made from changed, the recheck time passed, or the
 * profile's authority turned Ready after the refusal (it answered again: e.g. credentials fixed).
 */
export function refusalRecheckRemaining(stored: RefusedRequest | undefined, inputs: RequestInputs, readySince: string | undefined, now: Date): number | undefined {
  if (!stored) return undefined;
  if (stored.generation !== inputs.generation || stored.profileGeneration !== inputs.profileGeneration || stored.requestDigest !== inputs.requestDigest) return undefined;
  if (readySince && Date.parse(readySince) > Date.parse(stored.time)) return undefined;
  const left = Date.parse(stored.retryTime) - now.getTime();
  return left > 0 ? left : undefined;
}

/** JSON with object keys sorted, so the digest does not depend on the order fields were set in. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === "object" && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );
}
