import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube/objects.ts";
import { referencedSecretNames } from "./ownership.ts";
import { certificateDirectory, certificateSecretRefs } from "./secret-uses.ts";

// Every field of a Certificate spec that names or could name a Secret.
const fullSpec = {
  raProfileRef: { name: "p", kind: "RAProfile" },
  type: "signing",
  secretName: "out-tls",
  subject: { commonName: "x" },
  csrSecretRef: { name: "the-csr", key: "tls.csr" },
  secretTemplate: { labels: { a: "b" }, annotations: { c: "d" } },
  keystores: { pkcs12: { create: true, passwordSecretRef: { name: "the-password", key: "p" } } },
  jwks: { enabled: true },
  revocation: { reason: "superseded" },
  renewalRequest: { id: "1" },
};
const cert = (name: string, spec: object, ns = "ns"): KubeObject => ({ metadata: { name, namespace: ns, uid: `uid-${name}` }, spec } as KubeObject);

describe("certificateSecretRefs", () => {
  it("finds what the generic walk finds on a spec with every field set", () => {
    expect(certificateSecretRefs(cert("c", fullSpec))).toEqual(referencedSecretNames(fullSpec));
  });
});

describe("certificateDirectory", () => {
  const profiles = [{ metadata: { name: "ca", namespace: "ns" }, spec: { authority: { type: "local", local: { caSecretName: "ca-key" } } } } as KubeObject];
  const cluster = [{ metadata: { name: "shared" }, spec: { authority: { type: "acme", acme: { accountKeySecretRef: { name: "acct" } } } } } as KubeObject];
  const dir = certificateDirectory({
    raProfiles: () => profiles,
    clusterRAProfiles: () => cluster,
    certificates: () => [cert("a", fullSpec)],
    clusterResourceNamespace: "system",
  });

  it("names the profile or Certificate relying on a Secret, and nobody for others", () => {
    expect(dir.secretUse("ns", "ca-key")).toEqual({ party: "profile", description: "RAProfile ns/ca (spec.authority.local.caSecretName)" });
    expect(dir.secretUse("ns", "the-password")).toEqual({ party: "certificate", description: "Certificate ns/a (spec.keystores.pkcs12.passwordSecretRef.name)" });
    expect(dir.secretUse("ns", "out-tls")).toBeUndefined();
  });

  it("counts ClusterRAProfiles' Secrets only in the cluster resource namespace", () => {
    expect(dir.secretUse("ns", "acct")).toBeUndefined();
    expect(dir.secretUse("system", "acct")?.description).toBe("ClusterRAProfile shared (spec.authority.acme.accountKeySecretRef.name)");
  });

  it("finds Certificates by uid and by name", () => {
    expect(dir.certificateByUid("ns", "uid-a")).toBe("a");
    expect(dir.certificateByName("ns", "a")).toEqual({ uid: "uid-a" });
    expect(dir.certificateByUid("ns", "uid-gone")).toBeUndefined();
  });
});
