// After a renewal, revoke the certificate it replaced when the profile says so. A failure here
// does not undo the renewal: it is told in an Event and the superseded entry stays as it is.
import type { Connector } from "../../../connectors/connector.ts";
import type { ResolvedProfile } from "../../profiles/resolve-profile.ts";
import { safeMessage } from "../plan.ts";
import { revokedReasonOf } from "../revocation.ts";
import { emit, type ActContext } from "./context.ts";

export async function revokeSuperseded(x: ActContext, profile: ResolvedProfile, connector: Connector, previous: string | undefined, previousPem: string | undefined): Promise<{ serial: string; at: Date } | undefined> {
  if (profile.spec.revocation.onSupersede !== "Revoke" || !previous || revokedReasonOf(x.status, previous)) return undefined;
  if (!connector.capabilities.has("revoke")) {
    emit(x, "Warning", "RevocationNotSupported", `the ${connector.type} connector cannot revoke superseded serial ${previous}`);
    return undefined;
  }
  try {
    const at = x.now();
    x.guard();
    await connector.revoke({ serialNumber: previous, reason: "superseded", revokedAt: at, certificatePem: previousPem, signal: x.signal });
    emit(x, "Normal", "Revoked", `superseded serial ${previous} revoked (superseded)`);
    x.deps.onRevoked?.(profile);
    return { serial: previous, at };
  } catch (e) {
    emit(x, "Warning", "RevocationFailed", `could not revoke superseded serial ${previous}: ${safeMessage(e)}`);
    return undefined;
  }
}
