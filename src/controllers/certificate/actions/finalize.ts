// The delete finalizer: held while a Certificate must be revoked before it may go.
import { CERTIFICATES } from "../../../kube/certwright-resources.ts";
import type { FreshView } from "../../../kube/fresh-view.ts";
import type { KubeObject } from "../../../kube/objects.ts";
import { REVOKE_ON_DELETE_FINALIZER } from "../gather.ts";
import { emit, issuedPem, type ActContext, type ActResult } from "./context.ts";
import { failed } from "./outcomes.ts";

/** Deletion: revoke when the finalizer says so, then let the Certificate go. */
export async function finalize(x: ActContext, certificates: FreshView<KubeObject>, fence: { resourceVersion?: string }, plan: { revoke?: string; skipped?: string }): Promise<ActResult> {
  const { profile, connector } = x.world;
  if (plan.skipped) emit(x, "Warning", "RevocationSkipped", `profile ${x.cert.spec.raProfileRef.name} is gone: serial ${plan.skipped} was not revoked`);
  if (plan.revoke && connector && profile) {
    try {
      x.guard();
      await connector.revoke({ serialNumber: plan.revoke, reason: "cessationOfOperation", revokedAt: x.now(), certificatePem: issuedPem(x, plan.revoke), signal: x.signal });
      emit(x, "Normal", "Revoked", `serial ${plan.revoke} revoked on deletion (cessationOfOperation)`);
      x.deps.onRevoked?.(profile);
    } catch (e) {
      return failed(e, "RevocationFailed");
    }
  }
  await setFinalizer(x, certificates, fence, false);
  return {};
}

/** Adds or removes our finalizer: one metadata patch fenced by the resourceVersion the plan saw. */
export async function setFinalizer(x: ActContext, certificates: FreshView<KubeObject>, fence: { resourceVersion?: string }, wanted: boolean): Promise<void> {
  const finalizers = x.cert.metadata.finalizers ?? [];
  if (finalizers.includes(REVOKE_ON_DELETE_FINALIZER) === wanted) return;
  const next = wanted ? [...finalizers, REVOKE_ON_DELETE_FINALIZER] : finalizers.filter((f) => f !== REVOKE_ON_DELETE_FINALIZER);
  x.guard();
  const written = await x.kube.patch<KubeObject>(CERTIFICATES, x.cert.metadata.namespace, x.cert.metadata.name ?? "", {
    metadata: { finalizers: next, resourceVersion: fence.resourceVersion },
  });
  fence.resourceVersion = written.metadata.resourceVersion;
  certificates.remember(`${x.cert.metadata.namespace}/${x.cert.metadata.name}`, written);
}
