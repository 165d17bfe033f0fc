// After the Secret holds a new certificate (issued, or handed back): the supersede policy, the
// Event, the metrics, and the Outcome that statusFor() turns into the one status write.
import type { Connector } from "../../../connectors/connector.ts";
import type { CertificateInfo } from "../../../pki/inspect.ts";
import type { ResolvedProfile } from "../../profiles/resolve-profile.ts";
import { renewalTimeOf } from "../decide.ts";
import type { DesiredRequest } from "../desired.ts";
import { revokedReasonOf } from "../revocation.ts";
import type { SecretRecord } from "../secret-record.ts";
import { emit, leafWithSerial, type ActContext, type ActResult } from "./context.ts";
import { revokeSuperseded } from "./revoke-superseded.ts";

export interface Issued {
  profile: ResolvedProfile;
  connector: Connector;
  desired: DesiredRequest;
  info: CertificateInfo;
  message: string;
  revision: number;
}

export async function completeIssuance(x: ActContext, done: Issued): Promise<ActResult> {
  const previous = x.status.serialNumber;
  const superseded = await revokeSuperseded(x, done.profile, done.connector, previous, leafWithSerial(x.world.data, previous));
  x.deps.metrics?.issuanceTotal.inc({ connector: done.connector.type, result: "success" });
  emit(x, "Normal", "Issued", done.message);
  x.log.info({ serial: done.info.serialNumber, why: done.message }, "Issued certificate");
  const renewalTime = renewalTimeOf(done.info, done.desired.renewBeforeMs);
  return { outcome: { kind: "issued", info: done.info, renewalTime, revision: done.revision, renewalRequestId: done.desired.renewalRequest?.id, superseded } };
}

/** What the Secret write records about itself, so a crash before the status write loses nothing. */
export function recordFor(x: ActContext, profile: ResolvedProfile, info: CertificateInfo, desired: DesiredRequest): Omit<SecretRecord, "outputsDigest"> {
  const previous = x.status.serialNumber;
  const mustRevokePrevious = profile.spec.revocation.onSupersede === "Revoke" && previous !== undefined && !revokedReasonOf(x.status, previous);
  return {
    serialNumber: info.serialNumber,
    revision: (x.status.revision ?? 0) + 1,
    previousSerialNumber: previous,
    previousCertificatePem: mustRevokePrevious ? leafWithSerial(x.world.data, previous) : undefined,
    renewalRequestId: desired.renewalRequest?.id,
  };
}
