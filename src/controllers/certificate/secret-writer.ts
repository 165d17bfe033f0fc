// Writes the certificate's Secret (kubernetes.io/tls) with labels tying it to its Certificate.
// Keeps labels and data keys the user added; replaces ours.
import type { Certificate } from "../../api/resources.ts";
import type { KubeClient } from "../../kube/client.ts";
import { isAlreadyExists } from "../../kube/errors.ts";
import type { SecretObject } from "../../kube/objects.ts";
import { SECRETS } from "../../kube/resources.ts";
import { encodeSecretData, MANAGED_BY_LABEL } from "../../kube/secret-store.ts";

export const CERTIFICATE_NAME_LABEL = "certwright.dev/certificate-name";

/** The data keys certwright writes; every other key in the Secret belongs to someone else and stays. */
const OWNED_KEYS = new Set(["tls.crt", "tls.key", "ca.crt", "tls.csr", "keystore.p12", "jwks.json"]);

function foreignData(s: SecretObject | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(s?.data ?? {}).filter(([k]) => !OWNED_KEYS.has(k)));
}

export async function writeCertificateSecret(
  client: KubeClient,
  cert: Certificate,
  data: Record<string, string | Buffer>,
  existing: SecretObject | undefined,
): Promise<SecretObject> {
  const ns = cert.metadata.namespace ?? "";
  const tpl = cert.spec.secretTemplate;
  const labels = { ...existing?.metadata.labels, ...tpl?.labels, [CERTIFICATE_NAME_LABEL]: cert.metadata.name ?? "", [MANAGED_BY_LABEL]: "certwright" };
  const annotations = {
    ...existing?.metadata.annotations,
    ...tpl?.annotations,
    "certwright.dev/certificate-type": cert.spec.type,
    "certwright.dev/ra-profile": `${cert.spec.raProfileRef.kind}/${cert.spec.raProfileRef.name}`,
  };
  const body: SecretObject = {
    metadata: { name: cert.spec.secretName, namespace: ns, labels, annotations, resourceVersion: existing?.metadata.resourceVersion },
    type: existing?.type ?? "kubernetes.io/tls",
    data: { ...foreignData(existing), "tls.key": "", ...encodeSecretData(data) },
  };
  if (existing) return client.replace(SECRETS, body);
  try {
    return await client.create(SECRETS, body);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    // A Secret we did not know about (not labelled yet): take it over, keeping its other keys,
    // labels and its type (a Secret's type cannot change).
    const found = await client.get<SecretObject>(SECRETS, ns, cert.spec.secretName);
    return client.replace(SECRETS, {
      ...body,
      type: found.type ?? body.type,
      data: { ...foreignData(found), ...body.data },
      metadata: { ...body.metadata, labels: { ...found.metadata.labels, ...labels }, resourceVersion: found.metadata.resourceVersion },
    });
  }
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
      labels: { ...existing?.metadata.labels, [CERTIFICATE_NAME_LABEL]: cert.metadata.name ?? "", [MANAGED_BY_LABEL]: "certwright" },
      annotations: { ...existing?.metadata.annotations, "certwright.dev/purpose": "hand-off: upload tls.csr to the CA, put the certificate into tls.crt" },
      resourceVersion: existing?.metadata.resourceVersion,
    },
    type: existing?.type ?? "Opaque",
    data: encodeSecretData(data),
  };
  return existing ? client.replace(SECRETS, body) : client.create(SECRETS, body);
}
