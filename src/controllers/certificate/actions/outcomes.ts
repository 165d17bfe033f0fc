// The outcomes shared by several actions: a refusal and a failure that backs off.
import { ConnectorError } from "../../../connectors/connector.ts";
import { OutputError } from "../outputs.ts";
import { safeMessage } from "../plan.ts";
import type { RequestInputs } from "../refused-request.ts";
import type { ActContext, ActResult } from "./context.ts";

/** `recheck`: the authority refused this request; status remembers it until requeueAfterMs passes. */
export function refused(reason: string, message: string, stalled: boolean, requeueAfterMs?: number, recheck?: RequestInputs): ActResult {
  const remember = recheck && requeueAfterMs !== undefined ? { recheck: { inputs: recheck, afterMs: requeueAfterMs } } : {};
  return { outcome: { kind: "refused", reason, message, stalled, ...remember }, requeueAfterMs };
}

/** A failure that retries with back-off; the reason is the error's own when it has one. */
export function failed(e: unknown, reason: string): ActResult {
  const specific = e instanceof ConnectorError || e instanceof OutputError ? e.reason : reason;
  return { outcome: { kind: "failed", reason: specific, message: safeMessage(e) } };
}

/** The authority failed (outage, 5xx, timeout): back off, and ask the profile to probe it now. */
export function authorityDown(x: ActContext, e: unknown, reason: string): ActResult {
  if (x.world.profile) x.deps.onAuthorityFailing?.(x.world.profile);
  return failed(e, reason);
}
