import { describe, expect, it } from "vitest";
import { raProfileSpecSchema, type RAProfileSpecInput } from "../api/ra-profile.ts";
import { evaluatePolicy } from "./evaluate.ts";
import type { PolicyRequest } from "./types.ts";

const H = 3_600_000;

const policy: RAProfileSpecInput["policy"] = {
  allowedTypes: ["server", "client", "signing"],
  keyAlgorithms: [{ algorithm: "RSA", sizes: [3072, 4096] }, { algorithm: "ECDSA" }],
  maxDuration: "8400h",
  minDuration: "24h",
  allowedSubjectAttributes: ["commonName", "organizations", "countries"],
  requiredSubjectAttributes: ["commonName"],
  dnsNames: ["*.example.com", "api-?.internal.example.net", "exact.example.org"],
  ipAddresses: ["10.0.0.0/8", "fd00::/8"],
  uris: ["spiffe://cluster.local/ns/*/sa/*"],
  emailAddresses: ["*@example.com"],
};

const profile = (patch: Partial<RAProfileSpecInput> = {}) =>
  raProfileSpecSchema.parse({ authority: { type: "local", local: { caSecretName: "ca" } }, policy, ...patch });

const request: PolicyRequest = {
  type: "server",
  subject: { commonName: "api" },
  sans: { dnsNames: ["api.example.com"], ipAddresses: ["10.1.2.3"], uris: [], emailAddresses: [] },
  key: { algorithm: "RSA", size: 3072 },
  durationMs: 2160 * H,
  external: false,
};

type Patch = Partial<Omit<PolicyRequest, "sans">> & { sans?: Partial<PolicyRequest["sans"]> };
const req = (p: Patch = {}): PolicyRequest => ({ ...request, ...p, sans: { ...request.sans, ...p.sans } });

describe("evaluatePolicy", () => {
  it.each<[string, ReturnType<typeof profile>, PolicyRequest, string | undefined, string?]>([
    ["a request inside the policy", profile(), req(), undefined],
    ["anything when the profile has no policy", profile({ policy: undefined }), req({ type: "transport", durationMs: 100_000 * H }), undefined],
    ["a disabled profile", profile({ enabled: false }), req(), "ProfileDisabled", "the RA profile is disabled"],
    ["an external CSR by default", profile(), req({ external: true }), "ExternalCSRNotAllowed"],
    ["an external CSR when allowed", profile({ policy: { ...policy, allowExternalCSR: true } }), req({ external: true }), undefined],
    ["a type not listed", profile(), req({ type: "encryption" }), "TypeNotAllowed", 'type "encryption" is not allowed (server, client, signing)'],
    ["an algorithm not listed", profile(), req({ key: { algorithm: "Ed25519", size: undefined } }), "KeyAlgorithmNotAllowed", 'key algorithm "Ed25519" is not allowed (RSA, ECDSA)'],
    ["an RSA size not listed", profile(), req({ key: { algorithm: "RSA", size: 2048 } }), "KeySizeNotAllowed", "RSA key size 2048 is not allowed (3072, 4096)"],
    ["any ECDSA size when sizes are unset", profile(), req({ key: { algorithm: "ECDSA", size: 384 } }), undefined],
    ["a duration over the maximum", profile(), req({ durationMs: 8401 * H }), "DurationTooLong", "duration 8401h exceeds maxDuration 8400h"],
    ["exactly the maximum duration", profile(), req({ durationMs: 8400 * H }), undefined],
    ["a duration under the minimum", profile(), req({ durationMs: 90 * 60_000 }), "DurationTooShort", "duration 1h30m is below minDuration 24h"],
    ["a subject attribute not allowed", profile(), req({ subject: { commonName: "api", localities: ["Leeds"] } }), "SubjectAttributeNotAllowed", 'subject attribute "localities" is not allowed (commonName, organizations, countries)'],
    ["an empty attribute list counts as absent", profile(), req({ subject: { commonName: "api", localities: [] } }), undefined],
    ["a missing required attribute", profile(), req({ subject: { organizations: ["Example"] } }), "SubjectAttributeMissing", 'subject attribute "commonName" is required but missing'],
    ["no subject when one is required", profile(), req({ subject: undefined }), "SubjectAttributeMissing"],
    ["a DNS name outside the patterns", profile(), req({ sans: { dnsNames: ["api.example.com", "evil.com"] } }), "DNSNameNotAllowed", 'dnsName "evil.com" does not match any allowed pattern (*.example.com, api-?.internal.example.net, exact.example.org)'],
    ["'*' never spans two labels", profile(), req({ sans: { dnsNames: ["a.b.example.com"] } }), "DNSNameNotAllowed"],
    ["'*' does not match the bare apex", profile(), req({ sans: { dnsNames: ["example.com"] } }), "DNSNameNotAllowed"],
    ["a wildcard name under a '*' pattern", profile(), req({ sans: { dnsNames: ["*.example.com"] } }), undefined],
    ["'?' matches one character", profile(), req({ sans: { dnsNames: ["API-7.internal.example.net", "exact.example.org"] } }), undefined],
    ["'?' does not match two", profile(), req({ sans: { dnsNames: ["api-12.internal.example.net"] } }), "DNSNameNotAllowed"],
    ["an IPv4 address outside the ranges", profile(), req({ sans: { ipAddresses: ["192.168.0.1"] } }), "IPAddressNotAllowed", 'ipAddress "192.168.0.1" is not in any allowed range (10.0.0.0/8, fd00::/8)'],
    ["an IPv6 address inside a range", profile(), req({ sans: { ipAddresses: ["fd12:3456::1"] } }), undefined],
    ["an IPv6 address outside the ranges", profile(), req({ sans: { ipAddresses: ["2001:db8::1"] } }), "IPAddressNotAllowed"],
    ["a matching SPIFFE URI", profile(), req({ sans: { uris: ["spiffe://cluster.local/ns/apps/sa/api"] } }), undefined],
    ["'*' in a URI never crosses '/'", profile(), req({ sans: { uris: ["spiffe://cluster.local/ns/a/b/sa/api"] } }), "URINotAllowed"],
    ["an email in the domain, any case", profile(), req({ sans: { emailAddresses: ["Ops@Example.com"] } }), undefined],
    ["an email elsewhere", profile(), req({ sans: { emailAddresses: ["ops@evil.com"] } }), "EmailNotAllowed", 'emailAddress "ops@evil.com" does not match any allowed pattern (*@example.com)'],
    ["any name of a kind whose list is empty", profile({ policy: { ...policy, uris: [] } }), req({ sans: { uris: ["urn:x"] } }), "URINotAllowed", 'uri "urn:x" does not match any allowed pattern (none allowed)'],
    ["the first violation in chain order", profile({ enabled: false }), req({ type: "encryption", external: true }), "ProfileDisabled"],
  ])("%s", (_name, prof, request, rule, message) => {
    const v = evaluatePolicy(prof, request);
    expect(v?.rule).toBe(rule);
    if (message !== undefined) expect(v?.message).toContain(message);
  });
});
