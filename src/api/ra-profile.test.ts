import { describe, expect, it } from "vitest";
import { authorityTypes, clusterRAProfileSpecSchema, raProfileSpecSchema, type RAProfileSpecInput } from "./ra-profile.ts";

const UUID = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const base: RAProfileSpecInput = { authority: { type: "local", local: { caSecretName: "ca" } } };

function problems(spec: unknown): string {
  const r = raProfileSpecSchema.safeParse(spec);
  return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
}

describe("raProfileSpecSchema", () => {
  it("applies defaults", () => {
    const spec = raProfileSpecSchema.parse({ ...base, policy: {} });
    expect(spec.enabled).toBe(true);
    expect(spec.authority).toEqual({ type: "local", local: { caSecretName: "ca", generate: true, ocspSigner: "Delegated" } });
    expect(spec.revocation).toEqual({ onSupersede: "Retain", onDelete: "Retain" });
    expect(spec.policy?.allowExternalCSR).toBe(false);
    expect(spec.defaults).toBeUndefined();
  });

  it("lists the authority types", () => {
    expect(authorityTypes).toEqual(["local", "acme", "manual", "http", "stepca"]);
  });

  it("accepts an acme authority and defaults the account key's data key", () => {
    const spec = raProfileSpecSchema.parse({
      authority: { type: "acme", acme: { server: "https://acme.example/dir", accountKeySecretRef: { name: "acme-account" } } },
    });
    expect(spec.authority).toEqual({
      type: "acme",
      acme: { server: "https://acme.example/dir", accountKeySecretRef: { name: "acme-account", key: "tls.key" } },
    });
  });

  it("accepts a full policy", () => {
    const spec: RAProfileSpecInput = {
      ...base,
      defaults: { duration: "2160h", renewBefore: "720h", expiryNotice: "168h", privateKey: { algorithm: "ECDSA", size: 256 } },
      policy: {
        allowedTypes: ["server", "client"],
        keyAlgorithms: [{ algorithm: "RSA", sizes: [3072, 4096] }, { algorithm: "Ed25519" }],
        maxDuration: "8400h",
        minDuration: "1h",
        allowedSubjectAttributes: ["commonName", "organizations"],
        requiredSubjectAttributes: ["commonName"],
        dnsNames: ["*.example.com"],
        ipAddresses: ["10.0.0.0/8", "fd00::/8"],
        uris: ["spiffe://cluster.local/*"],
        emailAddresses: ["*@example.com"],
        allowExternalCSR: true,
      },
      revocation: { onSupersede: "Revoke" },
    };
    expect(problems(spec)).toBe("");
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["unknown authority type", { authority: { type: "vault", vault: {} } }, /authority.type/],
    ["authority member missing", { authority: { type: "local" } }, /authority.local/],
    ["min > max", { policy: { minDuration: "10h", maxDuration: "1h" } }, /policy.minDuration: minDuration must not exceed maxDuration/],
    ["default above max", { defaults: { duration: "9000h" }, policy: { maxDuration: "8400h" } }, /defaults.duration: defaults.duration must not exceed/],
    ["default below min", { defaults: { duration: "1h" }, policy: { minDuration: "24h" } }, /must not be below policy.minDuration/],
    ["renewBefore >= duration", { defaults: { duration: "24h", renewBefore: "48h" } }, /defaults.renewBefore must be shorter/],
    ["bad RSA policy size", { policy: { keyAlgorithms: [{ algorithm: "RSA", sizes: [1024] }] } }, /RSA sizes must be among/],
    ["Ed25519 with sizes", { policy: { keyAlgorithms: [{ algorithm: "Ed25519", sizes: [256] }] } }, /Ed25519 has no sizes/],
    ["bad default key", { defaults: { privateKey: { algorithm: "ECDSA", size: 2048 } } }, /ECDSA key size/],
    ["bad CIDR", { policy: { ipAddresses: ["10.0.0.0/40"] } }, /policy.ipAddresses.0: must be a CIDR/],
    ["required not allowed", { policy: { allowedSubjectAttributes: ["commonName"], requiredSubjectAttributes: ["uid"] } }, /required subject attribute must also be allowed/],
    ["acme without account key", { authority: { type: "acme", acme: { server: "https://a.example/dir" } } }, /accountKeySecretRef/],
    ["acme server not a URL", { authority: { type: "acme", acme: { server: "ftp://a", accountKeySecretRef: { name: "k" } } } }, /http or https URL/],
    ["http authority UUID not a UUID", { authority: { type: "http", http: { url: "https://c.example", authorityUuid: "x" } } }, /must be a UUID/],
    ["bad CRL URL", { authority: { type: "local", local: { caSecretName: "ca", crlDistributionPoints: ["ldap://x"] } } }, /http or https URL/],
    ["a zero timeout", { authority: { type: "http", http: { url: "https://c.example", authorityUuid: UUID, timeouts: { headers: "0s" } } } }, /timeouts.headers: must be more than 0s and at most 1h/],
    ["a timeout over 1h", { authority: { type: "acme", acme: { server: "https://a.example/dir", accountKeySecretRef: { name: "k" }, timeouts: { body: "2h" } } } }, /must be more than 0s and at most 1h/],
    ["a timeout in ms", { authority: { type: "http", http: { url: "https://c.example", authorityUuid: UUID, timeouts: { connect: "500ms" } } } }, /invalid duration/],
  ])("refuses %s", (_name, patch, want) => {
    expect(problems({ ...base, ...patch })).toMatch(want);
  });
});

it("accepts timeouts on the http and acme authorities", () => {
  const spec = raProfileSpecSchema.parse({ ...base, authority: { type: "http", http: { url: "https://c.example", authorityUuid: UUID, timeouts: { connect: "5s", headers: "2m" } } } });
  expect(spec.authority).toMatchObject({ http: { timeouts: { connect: "5s", headers: "2m" } } });
});

describe("clusterRAProfileSpecSchema", () => {
  it("adds namespaceSelector and keeps the shared rules", () => {
    const spec = clusterRAProfileSpecSchema.parse({ ...base, namespaceSelector: { matchLabels: { team: "a" } } });
    expect(spec.namespaceSelector?.matchLabels).toEqual({ team: "a" });
    expect(clusterRAProfileSpecSchema.safeParse({ ...base, policy: { minDuration: "2h", maxDuration: "1h" } }).success).toBe(false);
  });
});
