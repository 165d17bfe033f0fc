import { describe, expect, it } from "vitest";
import type { SecretObject } from "../../kube/objects.ts";
import { ADOPT_ANNOTATION, CERTIFICATE_NAME_LABEL, CERTIFICATE_UID_LABEL, judgeOwnership, referencedSecretNames, type OwnershipInput, type SecretUse } from "./ownership.ts";

const me = { name: "app", uid: "uid-app" };
const others = new Map([["uid-other", "other"]]);
const secret = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}, type = "kubernetes.io/tls"): SecretObject => ({
  metadata: { name: "app-tls", namespace: "ns", labels, annotations },
  type,
});
const judge = (s: SecretObject | undefined, uses: Map<string, SecretUse> = new Map(), patch: Partial<OwnershipInput> = {}) =>
  judgeOwnership({
    certificate: me,
    secretName: "app-tls",
    secret: s,
    use: uses.get("app-tls"),
    certificateByUid: (uid) => others.get(uid),
    certificateByName: (name) => (name === "other" ? { uid: "uid-other" } : undefined),
    ...patch,
  });

describe("judgeOwnership", () => {
  const table: [string, SecretObject | undefined, Map<string, SecretUse>, boolean, string?][] = [
    ["no Secret yet", undefined, new Map(), true],
    ["our own Secret (uid label)", secret({ [CERTIFICATE_UID_LABEL]: "uid-app", [CERTIFICATE_NAME_LABEL]: "app" }), new Map(), true],
    ["another Certificate's Secret", secret({ [CERTIFICATE_UID_LABEL]: "uid-other", [CERTIFICATE_NAME_LABEL]: "other" }), new Map(), false, "SecretOwnedByOtherCertificate"],
    ["left behind by a deleted Certificate", secret({ [CERTIFICATE_UID_LABEL]: "uid-gone", [CERTIFICATE_NAME_LABEL]: "gone" }), new Map(), true],
    ["a v0.1 Secret naming us", secret({ [CERTIFICATE_NAME_LABEL]: "app" }), new Map(), true],
    ["a v0.1 Secret naming another existing Certificate", secret({ [CERTIFICATE_NAME_LABEL]: "other" }), new Map(), false, "SecretOwnedByOtherCertificate"],
    ["a foreign Secret", secret(), new Map(), false, "SecretNotOwned"],
    ["a foreign Secret handed over", secret({}, { [ADOPT_ANNOTATION]: "true" }), new Map(), true],
    ["a foreign Opaque Secret handed over", secret({}, { [ADOPT_ANNOTATION]: "true" }, "Opaque"), new Map(), true],
    ["a handed-over Secret of a type that cannot hold a certificate", secret({}, { [ADOPT_ANNOTATION]: "true" }, "kubernetes.io/dockerconfigjson"), new Map(), false, "SecretTypeNotSupported"],
    ["a profile's Secret managed by certwright", secret({ "app.kubernetes.io/managed-by": "certwright" }, { [ADOPT_ANNOTATION]: "true" }), new Map(), false, "SecretUsedByProfile"],
    ["a profile's CA Secret, even before it exists", undefined, new Map([["app-tls", { party: "profile" as const, description: "RAProfile ns/ca (spec.authority.local.caSecretName)" }]]), false, "SecretUsedByProfile"],
    ["a profile's CA Secret we once overwrote", secret({ [CERTIFICATE_UID_LABEL]: "uid-app" }), new Map([["app-tls", { party: "profile" as const, description: "RAProfile ns/ca" }]]), false, "SecretUsedByProfile"],
    ["a keystore password Secret", undefined, new Map([["app-tls", { party: "certificate" as const, description: "Certificate ns/x (spec.keystores.pkcs12.passwordSecretRef.name)" }]]), false, "SecretInUse"],
  ];
  it.each(table)("%s", (_name, s, uses, owned, reason) => {
    const v = judge(s, uses);
    expect(v.owned).toBe(owned);
    if (!v.owned) {
      expect(v.reason).toBe(reason);
      expect(v.message).toContain("app-tls");
    }
  });

  it("names the other party in the message", () => {
    const v = judge(secret({ [CERTIFICATE_UID_LABEL]: "uid-other" }));
    expect(v.owned || v.message).toMatch(/Certificate other/);
    const p = judge(undefined, new Map([["app-tls", { party: "profile", description: "RAProfile ns/ca (spec.authority.local.caSecretName)" }]]));
    expect(p.owned || p.message).toMatch(/RAProfile ns\/ca \(spec\.authority\.local\.caSecretName\)/);
    const f = judge(secret());
    expect(f.owned || f.message).toContain(`${ADOPT_ANNOTATION}=true`);
  });
});

describe("referencedSecretNames", () => {
  it("finds *SecretName strings and *SecretRef objects at any depth, and nothing else", () => {
    const spec = {
      secretName: "not-a-reference",
      authority: { type: "acme", acme: { accountKeySecretRef: { name: "acct", key: "tls.key" }, caBundleSecretRef: { name: "bundle", key: "ca.crt" } } },
      local: { caSecretName: "ca" },
      list: [{ tokenSecretRef: { name: "tok" } }],
      keystores: { pkcs12: { passwordSecretRef: { name: "pw", key: "p" } } },
    };
    expect(referencedSecretNames(spec).map((r) => [r.name, r.field])).toEqual([
      ["acct", "spec.authority.acme.accountKeySecretRef.name"],
      ["bundle", "spec.authority.acme.caBundleSecretRef.name"],
      ["ca", "spec.local.caSecretName"],
      ["tok", "spec.list[0].tokenSecretRef.name"],
      ["pw", "spec.keystores.pkcs12.passwordSecretRef.name"],
    ]);
  });

  it("covers the http authority's client certificate and attribute Secrets (a Certificate may not overwrite them)", () => {
    const http = {
      clientCertificateSecretRef: { name: "mtls" },
      raProfileAttributes: [{ name: "password", contentType: "secret", content: [{ dataSecretRef: { name: "vault-pw", key: "p" } }] }],
    };
    expect(referencedSecretNames({ authority: { type: "http", http } }).map((r) => r.name)).toEqual(["mtls", "vault-pw"]);
  });
});
