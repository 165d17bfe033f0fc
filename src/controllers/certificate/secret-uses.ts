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
  secretUses(namespace: string): Map<string, SecretUse>;
  certificateByUid(namespace: string, uid: string): string | undefined;
  certificateByName(namespace: string, name: string): { uid: string } | undefined;
}

type WithSpec = KubeObject & { spec?: unknown };

export function certificateDirectory(o: NamespaceObjects): CertificateDirectory {
  return {
    secretUses(namespace) {
      const uses = new Map<string, SecretUse>();
      const add = (objects: KubeObject[], kind: string, party: SecretUse["party"]) => {
        for (const obj of objects as WithSpec[]) {
          const who = obj.metadata.namespace ? `${kind} ${obj.metadata.namespace}/${obj.metadata.name}` : `${kind} ${obj.metadata.name}`;
          for (const ref of referencedSecretNames(obj.spec)) {
            if (!uses.has(ref.name)) uses.set(ref.name, { party, description: `${who} (${ref.field})` });
          }
        }
      };
      add(o.raProfiles(namespace), "RAProfile", "profile");
      if (namespace === o.clusterResourceNamespace) add(o.clusterRAProfiles(), "ClusterRAProfile", "profile");
      add(o.certificates(namespace), "Certificate", "certificate");
      return uses;
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
