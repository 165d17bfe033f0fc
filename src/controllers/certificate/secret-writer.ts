// Writes the certificate's Secret (kubernetes.io/tls) with the labels that make it ours and the
// record of what was written (see secret-record.ts). Keeps labels and data keys the user added;
// replaces ours. Never takes over a Secret: ownership is judged before (ownership.ts).
import type { Certificate } from "../../api/resources.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { SecretObject } from "../../kube/objects.ts";
import { SECRETS } from "../../kube/resources.ts";
import { encodeSecretData } from "../../kube/secret-store.ts";
import { ownerLabels } from "./ownership.ts";
import { outputsDigest, recordAnnotations, RECORD_ANNOTATIONS, type SecretRecord } from "./secret-record.ts";

export { CERTIFICATE_NAME_LABEL } from "./ownership.ts";

/** The data keys certwright writes; every other key in the Secret belongs to someone else and stays. */
const OWNED_KEYS = new Set(["tls.crt", "tls.key", "ca.crt", "tls.csr", "keystore.p12", "jwks.json"]);

function foreignData(s: SecretObject | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(s?.data ?? {}).filter(([k]) => !OWNED_KEYS.has(k)));
}

function withoutRecord(annotations: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => !RECORD_ANNOTATIONS.includes(k)));
}

function ownerOf(cert: Certificate): { name: string; uid: string } {
  return { name: cert.metadata.name ?? "", uid: cert.metadata.uid ?? "" };
}

export async function writeCertificateSecret(
  client: KubeClient,
  cert: Certificate,
  data: Record<string, string | Buffer>,
  existing: SecretObject | undefined,
  record: Omit<SecretRecord, "outputsDigest">,
): Promise<SecretObject> {
  const tpl = cert.spec.secretTemplate;
  const encoded = { ...foreignData(existing), "tls.key": "", ...encodeSecretData(data) };
  const body: SecretObject = {
    metadata: {
      name: cert.spec.secretName,
      namespace: cert.metadata.namespace ?? "",
      labels: { ...existing?.metadata.labels, ...tpl?.labels, ...ownerLabels(ownerOf(cert)) },
      annotations: {
        ...withoutRecord(existing?.metadata.annotations),
        ...tpl?.annotations,
        "certwright.dev/certificate-type": cert.spec.type,
        "certwright.dev/ra-profile": `${cert.spec.raProfileRef.kind}/${cert.spec.raProfileRef.name}`,
        ...recordAnnotations({ ...record, outputsDigest: outputsDigest(encoded) }),
      },
      resourceVersion: existing?.metadata.resourceVersion,
    },
    // A Secret's type cannot change: an adopted Opaque Secret stays Opaque.
    type: existing?.type ?? "kubernetes.io/tls",
    data: encoded,
  };
  // PUT with the resourceVersion read: a concurrent change fails with a conflict, never lost.
  // POST fails with AlreadyExists when a Secret appeared meanwhile: ownership is judged again.
  return existing ? client.replace(SECRETS, body) : client.create(SECRETS, body);
}

/** The hand-off request Secret (`<secretName>-request`): the published CSR and, until the
 * certificate comes back, its key. Labelled like the certificate's Secret so that a hand-back
 * (an edit by a person) wakes the Certificate up. */
export async function writeRequestSecret(
  client: KubeClient,
  cert: Certificate,
  name: string,
  data: Record<string, string>,
  existing: SecretObject | undefined,
): Promise<SecretObject> {
  const body: SecretObject = {
    metadata: {
      name,
      namespace: cert.metadata.namespace,
      labels: { ...existing?.metadata.labels, ...ownerLabels(ownerOf(cert)) },
      annotations: { ...existing?.metadata.annotations, "certwright.dev/purpose": "hand-off: upload tls.csr to the CA, put the certificate into tls.crt" },
      resourceVersion: existing?.metadata.resourceVersion,
    },
    type: existing?.type ?? "Opaque",
    data: encodeSecretData(data),
  };
  return existing ? client.replace(SECRETS, body) : client.create(SECRETS, body);
}
