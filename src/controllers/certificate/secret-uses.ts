// Which Secrets of a namespace RA profiles and Certificates rely on, read from the caches, so a
// Certificate can be refused before it writes into one of them (see ownership.ts).
import type { KubeObject } from "../../kube/objects.ts";
import { referencedSecretNames, type SecretUse } from "./ownership.ts";

export interface NamespaceObjects {
  raProfiles(namespace: string): KubeObject[];
  clusterRAProfiles(): KubeObject[];
  certificates(namespace: string): KubeObject[];
  /** Where ClusterRAProfiles keep their Secrets. */
  clusterResourceNamespace: string;
}

export interface CertificateDirectory {
  /** Who relies on the Secret of this name in the namespace, if anyone (asked once per reconcile). */
  secretUse(namespace: string, secretName: string): SecretUse | undefined;
  certificateByUid(namespace: string, uid: string): string | undefined;
  certificateByName(namespace: string, name: string): { uid: string } | undefined;
}

type WithSpec = KubeObject & { spec?: unknown };

interface CertificateRefs {
  spec?: { csrSecretRef?: { name?: string }; keystores?: { pkcs12?: { passwordSecretRef?: { name?: string } } } };
}

/**
 * The Secrets a Certificate reads, by field. Read directly rather than by walking the spec: this
 * runs over every Certificate of the namespace on each reconcile. secret-uses.test.ts checks it
 * against referencedSecretNames on a spec with every field set.
 */
export function certificateSecretRefs(c: KubeObject): { name: string; field: string }[] {
  const spec = (c as CertificateRefs).spec;
  const out: { name: string; field: string }[] = [];
  if (spec?.csrSecretRef?.name) out.push({ name: spec.csrSecretRef.name, field: "spec.csrSecretRef.name" });
  const pw = spec?.keystores?.pkcs12?.passwordSecretRef?.name;
  if (pw) out.push({ name: pw, field: "spec.keystores.pkcs12.passwordSecretRef.name" });
  return out;
}

function who(kind: string, obj: KubeObject): string {
  return obj.metadata.namespace ? `${kind} ${obj.metadata.namespace}/${obj.metadata.name}` : `${kind} ${obj.metadata.name}`;
}

export function certificateDirectory(o: NamespaceObjects): CertificateDirectory {
  const usedBy = (objects: KubeObject[], kind: string, refs: (obj: KubeObject) => { name: string; field: string }[], secretName: string) => {
    for (const obj of objects) {
      const ref = refs(obj).find((r) => r.name === secretName);
      if (ref) return `${who(kind, obj)} (${ref.field})`;
    }
    return undefined;
  };
  const profileRefs = (obj: KubeObject) => referencedSecretNames((obj as WithSpec).spec);
  return {
    secretUse(namespace, secretName) {
      const profile =
        usedBy(o.raProfiles(namespace), "RAProfile", profileRefs, secretName) ??
        (namespace === o.clusterResourceNamespace ? usedBy(o.clusterRAProfiles(), "ClusterRAProfile", profileRefs, secretName) : undefined);
      if (profile) return { party: "profile", description: profile };
      const certificate = usedBy(o.certificates(namespace), "Certificate", certificateSecretRefs, secretName);
      return certificate ? { party: "certificate", description: certificate } : undefined;
    },
    certificateByUid(namespace, uid) {
      return o.certificates(namespace).find((c) => c.metadata.uid === uid)?.metadata.name;
    },
    certificateByName(namespace, name) {
      const c = o.certificates(namespace).find((x) => x.metadata.name === name);
      return c ? { uid: c.metadata.uid ?? "" } : undefined;
    },
  };
}
