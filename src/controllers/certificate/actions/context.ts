// What every action works with: the Certificate, what gather() read, the reconcile's client
// (its calls carry the reconcile's signal), the leader fence, Events and metrics. An action
// makes its writes (at most one per object) and answers with an Outcome for statusFor().
import type { Certificate } from "../../../api/resources.ts";
import type { CertificateStatus } from "../../../api/certificate.ts";
import type { KubeClient } from "../../../kube/client.ts";
import type { FreshView } from "../../../kube/fresh-view.ts";
import type { SecretObject } from "../../../kube/objects.ts";
import { decodeSecretData } from "../../../kube/secret-store.ts";
import type { Metrics } from "../../../observability/metrics.ts";
import { inspectCertificate, leafOfBundle } from "../../../pki/inspect.ts";
import type { ReconcileContext } from "../../../runtime/controller.ts";
import type { EventSink } from "../../../runtime/events.ts";
import type { ResolvedProfile } from "../../profiles/resolve-profile.ts";
import type { World } from "../gather.ts";
import { readSecretKey } from "../gather.ts";
import { wantsKeystore } from "../outputs.ts";
import type { Outcome } from "../status-for.ts";

export interface ActDeps {
  secrets: FreshView<SecretObject>;
  events: EventSink;
  metrics?: Metrics;
  /** A certificate of this profile was revoked: its CRL must be republished. */
  onRevoked?(profile: ResolvedProfile): void;
  /** The profile's authority failed a Certificate: probe it now, so its Ready tells the truth. */
  onAuthorityFailing?(profile: ResolvedProfile): void;
}

export interface ActContext {
  cert: Certificate;
  world: World;
  /** The stored status the plan was made from. */
  status: CertificateStatus;
  kube: KubeClient;
  signal: AbortSignal;
  log: ReconcileContext["log"];
  deps: ActDeps;
  now(): Date;
  /** Throws unless this replica still leads: called right before each side effect. */
  guard(): void;
}

/** What an action did: the status to show (none: unchanged) and when to look again. */
export interface ActResult {
  outcome?: Outcome;
  requeueAfterMs?: number;
}

export function emit(x: ActContext, type: "Normal" | "Warning", reason: string, message: string): void {
  const c = x.cert;
  x.deps.events.emit({ apiVersion: c.apiVersion, kind: c.kind, namespace: c.metadata.namespace, name: c.metadata.name ?? "", uid: c.metadata.uid }, { type, reason, message });
}

export function rememberSecret(x: ActContext, written: SecretObject, name = x.cert.spec.secretName): void {
  x.deps.secrets.remember(`${x.cert.metadata.namespace}/${name}`, written);
}

/** The certificate with this serial, when the Secret still holds it (ACME revokes by certificate). */
export function issuedPem(x: ActContext, serial: string | undefined): string | undefined {
  const secret = x.deps.secrets.get(`${x.cert.metadata.namespace}/${x.cert.spec.secretName}`);
  return leafWithSerial(secret ? decodeSecretData(secret) : undefined, serial);
}

export function leafWithSerial(data: Record<string, string> | undefined, serial: string | undefined): string | undefined {
  const leaf = leafOfBundle(data?.["tls.crt"]);
  if (!leaf || !serial) return undefined;
  try {
    return inspectCertificate(leaf).serialNumber === serial ? leaf : undefined;
  } catch {
    return undefined;
  }
}

/** The PKCS#12 password, when a keystore is wanted (an OutputError when its Secret lacks it). */
export async function keystorePassword(x: ActContext): Promise<string | undefined> {
  const ref = x.cert.spec.keystores?.pkcs12?.passwordSecretRef;
  if (!wantsKeystore(x.cert.spec) || !ref) return undefined;
  return readSecretKey(x.kube, x.cert, ref, "KeystorePasswordNotFound", "the PKCS#12 keystore password");
}
