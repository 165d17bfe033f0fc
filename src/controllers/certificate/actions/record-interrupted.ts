// Crash recovery: the Secret holds a certificate certwright wrote (its record says so) that the
// status does not list, because the process stopped between the Secret write and the status
// write. Complete the inventory now: history entry, revision, Event, and the supersede policy.
import { renewalTimeOf } from "../decide.ts";
import { emit, type ActContext, type ActResult } from "./context.ts";
import { revokeSuperseded } from "./revoke-superseded.ts";

export async function recordInterrupted(x: ActContext): Promise<ActResult> {
  const { profile, connector, desired, record } = x.world;
  const leaf = x.world.existing?.certificate;
  if (!profile || !connector || !desired || !record || !leaf) throw new Error("recovery planned without a record");
  const previous = record.previousSerialNumber ?? x.status.serialNumber;
  const superseded = await revokeSuperseded(x, profile, connector, previous, record.previousCertificatePem);
  x.deps.metrics?.issuanceTotal.inc({ connector: connector.type, result: "success" });
  emit(x, "Normal", "Issued", `serial ${leaf.serialNumber} (revision ${record.revision}) recorded after an interrupted issuance`);
  x.log.info({ serial: leaf.serialNumber, revision: record.revision }, "Recorded an interrupted issuance");
  const renewalTime = renewalTimeOf(leaf, desired.renewBeforeMs);
  // Look again at once: the recovered certificate is judged against the spec like any other.
  return { outcome: { kind: "issued", info: leaf, renewalTime, revision: record.revision, renewalRequestId: record.renewalRequestId, superseded }, requeueAfterMs: 0 };
}
