// Revoke the current certificate (spec.revocation): one call to the authority, then the
// history entry says revoked. A refusal of the authority (4xx) is shown, anything else retries.
import { ConnectorError } from "../../../connectors/connector.ts";
import type { RevocationReason } from "../../../pki/crl.ts";
import { safeMessage } from "../plan.ts";
import { emit, issuedPem, type ActContext, type ActResult } from "./context.ts";
import { failed, refused } from "./outcomes.ts";

export async function revokeCurrent(x: ActContext, serial: string, reason: RevocationReason): Promise<ActResult> {
  const { profile, connector } = x.world;
  if (!profile || !connector) throw new Error("revocation planned without a profile");
  try {
    const at = x.now();
    x.guard();
    await connector.revoke({ serialNumber: serial, reason, revokedAt: at, certificatePem: issuedPem(x, serial), signal: x.signal });
    emit(x, "Normal", "Revoked", `serial ${serial} revoked (${reason})`);
    x.deps.onRevoked?.(profile);
    return { outcome: { kind: "revoked", serial, reason, at } };
  } catch (e) {
    if (e instanceof ConnectorError && !e.retryable) return refused(e.reason, safeMessage(e), true);
    return failed(e, "RevocationFailed");
  }
}
