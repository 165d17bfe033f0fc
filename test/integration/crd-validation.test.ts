// Apply-time validation on a real API server: the generated CRDs refuse bad specs with a
// clear message, accept every example, default what the zod schemas default, and the zod
// parsers (what the controller uses) refuse exactly the same specs.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { DEFAULT_DURATION, parseDuration } from "../../src/api/duration.ts";
import { API_VERSION, parseCertificate, parseClusterRAProfile, parseRAProfile } from "../../src/api/resources.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { CERTIFICATES, CLUSTER_RA_PROFILES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import { KubeApiError } from "../../src/kube/errors.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { collectionPath, type ResourceType } from "../../src/kube/resources.ts";
import { evaluatePolicy } from "../../src/policy/evaluate.ts";
import { freshNamespace, testClient } from "../harness/cluster.ts";

type Kind = "Certificate" | "RAProfile" | "ClusterRAProfile";
type Spec = Record<string, unknown>;

interface CertwrightObject extends KubeObject {
  spec: Spec;
}

const KINDS: Record<Kind, { resource: ResourceType; parse: (obj: unknown) => { spec: unknown } }> = {
  Certificate: { resource: CERTIFICATES, parse: parseCertificate },
  RAProfile: { resource: RA_PROFILES, parse: parseRAProfile },
  ClusterRAProfile: { resource: CLUSTER_RA_PROFILES, parse: parseClusterRAProfile },
};

// ---- valid starting points; each bad case changes one thing ----

const cert = (over: Spec = {}): Spec => ({
  raProfileRef: { name: "local-ca" },
  type: "transport",
  secretName: "bad-tls",
  subject: { commonName: "bad" },
  ...over,
});

const authority = { type: "local", local: { caSecretName: "ca" } };
const profile = (over: Spec = {}): Spec => ({ authority, ...over });

function without(spec: Spec, key: string): Spec {
  const copy = { ...spec };
  delete copy[key];
  return copy;
}

interface BadCase {
  name: string;
  kind: Kind;
  spec: Spec;
  /** Field blamed, as both the server and zod print it before ": ". */
  path: string;
  /** Substring of the API server's 422 message. */
  server: string;
  /** Substring of the zod parser's message; defaults to `server` (a CEL rule has one message for both). */
  zod?: string;
  /** Where zod blames it, when that differs from `path`. */
  zodPath?: string;
}

const DURATION_HINT = "invalid duration: use hours, minutes and seconds";
const PATTERN = "in body should match";

const certificateCases: BadCase[] = [
  { name: "unknown type", kind: "Certificate", spec: cert({ type: "foo" }), path: "spec.type", server: 'Unsupported value: "foo"', zod: "Invalid option" },
  { name: "missing type", kind: "Certificate", spec: without(cert(), "type"), path: "spec.type", server: "Required value", zod: "expected one of" },
  { name: "key size as string", kind: "Certificate", spec: cert({ privateKey: { algorithm: "RSA", size: "2048" } }), path: "spec.privateKey.size", server: "must be of type integer", zod: "expected number, received string" },
  { name: "duration in days", kind: "Certificate", spec: cert({ duration: "350d" }), path: "spec.duration", server: PATTERN, zod: DURATION_HINT },
  { name: "negative duration", kind: "Certificate", spec: cert({ duration: "-5h" }), path: "spec.duration", server: PATTERN, zod: DURATION_HINT },
  { name: "renewBefore not a duration", kind: "Certificate", spec: cert({ renewBefore: "abc" }), path: "spec.renewBefore", server: PATTERN, zod: DURATION_HINT },
  { name: "renewBefore equal to duration", kind: "Certificate", spec: cert({ duration: "720h", renewBefore: "720h" }), path: "spec.renewBefore", server: "renewBefore must be shorter than duration" },
  { name: "renewBefore longer than duration", kind: "Certificate", spec: cert({ duration: "1h", renewBefore: "1h0m1s" }), path: "spec.renewBefore", server: "renewBefore must be shorter than duration" },
  { name: "RSA 1024", kind: "Certificate", spec: cert({ privateKey: { algorithm: "RSA", size: 1024 } }), path: "spec.privateKey.size", server: "RSA key size must be one of 2048, 3072, 4096" },
  { name: "ECDSA 521", kind: "Certificate", spec: cert({ privateKey: { algorithm: "ECDSA", size: 521 } }), path: "spec.privateKey.size", server: "ECDSA key size must be one of 256, 384" },
  { name: "Ed25519 with a size", kind: "Certificate", spec: cert({ privateKey: { algorithm: "Ed25519", size: 256 } }), path: "spec.privateKey.size", server: "Ed25519 keys have a fixed size; leave size unset" },
  { name: "unknown key algorithm", kind: "Certificate", spec: cert({ privateKey: { algorithm: "DSA" } }), path: "spec.privateKey.algorithm", server: 'Unsupported value: "DSA"', zod: "Invalid option" },
  { name: "privateKey and csrSecretRef together", kind: "Certificate", spec: cert({ privateKey: { algorithm: "RSA" }, csrSecretRef: { name: "csr" } }), path: "spec", server: "privateKey and csrSecretRef are mutually exclusive" },
  { name: "no identity at all", kind: "Certificate", spec: without(cert(), "subject"), path: "spec", server: "set subject.commonName or at least one of dnsNames, ipAddresses, uris, emailAddresses" },
  { name: "subject without commonName and no SANs", kind: "Certificate", spec: cert({ subject: { organizations: ["Example"] }, dnsNames: [] }), path: "spec", server: "set subject.commonName or at least one of" },
  { name: "server without dnsNames", kind: "Certificate", spec: cert({ type: "server" }), path: "spec", server: "a server certificate needs dnsNames or ipAddresses" },
  { name: "jwks on a transport certificate", kind: "Certificate", spec: cert({ jwks: { enabled: true } }), path: "spec.jwks", server: "jwks is only for signing and encryption certificates" },
  { name: "jwks alg with a space", kind: "Certificate", spec: cert({ type: "signing", jwks: { enabled: true, alg: "ES 256" } }), path: "spec.jwks.alg", server: PATTERN, zod: "Invalid string" },
  { name: "pkcs12 without password", kind: "Certificate", spec: cert({ keystores: { pkcs12: { create: true } } }), path: "spec.keystores.pkcs12.passwordSecretRef", server: "a PKCS#12 keystore needs passwordSecretRef" },
  { name: "pkcs12 with an external CSR", kind: "Certificate", spec: cert({ csrSecretRef: { name: "csr" }, keystores: { pkcs12: { create: true, passwordSecretRef: { name: "p", key: "password" } } } }), path: "spec.keystores", server: "a PKCS#12 keystore needs the private key" },
  { name: "three-letter country", kind: "Certificate", spec: cert({ subject: { commonName: "x", countries: ["GBR"] } }), path: "spec.subject.countries[0]", server: "Too long", zod: "Too big" },
  { name: "otherAttributes oid not dotted", kind: "Certificate", spec: cert({ subject: { commonName: "x", otherAttributes: [{ oid: "abc", value: "v" }] } }), path: "spec.subject.otherAttributes[0].oid", server: PATTERN, zod: "must be a dotted attribute OID" },
  { name: "commonName over 64 characters", kind: "Certificate", spec: cert({ subject: { commonName: "c".repeat(65) } }), path: "spec.subject.commonName", server: "Too long", zod: "Too big" },
  { name: "IPv4 octet over 255", kind: "Certificate", spec: cert({ ipAddresses: ["999.1.1.1"] }), path: "spec.ipAddresses[0]", server: "must be an IPv4 or IPv6 address" },
  { name: "IPv4-mapped IPv6 address", kind: "Certificate", spec: cert({ ipAddresses: ["::ffff:10.0.0.1"] }), path: "spec.ipAddresses[0]", server: "must be an IPv4 or IPv6 address" },
  { name: "dnsName with a space", kind: "Certificate", spec: cert({ dnsNames: ["bad name.example.com"] }), path: "spec.dnsNames[0]", server: PATTERN, zod: "must be an ASCII DNS name" },
  { name: "wildcard not leading", kind: "Certificate", spec: cert({ dnsNames: ["api.*.example.com"] }), path: "spec.dnsNames[0]", server: PATTERN, zod: "must be an ASCII DNS name" },
  { name: "relative URI", kind: "Certificate", spec: cert({ uris: ["/ns/app"] }), path: "spec.uris[0]", server: PATTERN, zod: "must be an absolute URI of ASCII characters" },
  { name: "email without @", kind: "Certificate", spec: cert({ emailAddresses: ["nobody"] }), path: "spec.emailAddresses[0]", server: PATTERN, zod: "must be an email address of ASCII characters" },
  { name: "secretName with uppercase", kind: "Certificate", spec: cert({ secretName: "Example-TLS" }), path: "spec.secretName", server: PATTERN, zod: "must be a lowercase DNS-1123 subdomain" },
  { name: "missing secretName", kind: "Certificate", spec: without(cert(), "secretName"), path: "spec.secretName", server: "Required value", zod: "expected string, received undefined" },
  { name: "missing raProfileRef", kind: "Certificate", spec: without(cert(), "raProfileRef"), path: "spec.raProfileRef", server: "Required value", zod: "expected object, received undefined" },
  { name: "raProfileRef kind Issuer", kind: "Certificate", spec: cert({ raProfileRef: { name: "local-ca", kind: "Issuer" } }), path: "spec.raProfileRef.kind", server: 'Unsupported value: "Issuer"', zod: "Invalid option" },
  { name: "rotationPolicy Sometimes", kind: "Certificate", spec: cert({ privateKey: { rotationPolicy: "Sometimes" } }), path: "spec.privateKey.rotationPolicy", server: 'Unsupported value: "Sometimes"', zod: "Invalid option" },
  { name: "unknown revocation reason", kind: "Certificate", spec: cert({ revocation: { reason: "stolen" } }), path: "spec.revocation.reason", server: 'Unsupported value: "stolen"', zod: "Invalid option" },
  { name: "empty renewalRequest id", kind: "Certificate", spec: cert({ renewalRequest: { id: "" } }), path: "spec.renewalRequest.id", server: "should be at least 1 chars long", zod: "Too small" },
];

// Issue 8 part 2: strings the certificate could not carry exactly are refused at apply time.
const CONTROL = "must not contain control characters";
const COUNTRY = "must be an upper-case ISO 3166-1 alpha-2 country code such as BR";
const other = (oid: string, value: string) => cert({ subject: { commonName: "x", otherAttributes: [{ oid, value }] } });
const nameCases: BadCase[] = [
  { name: "NUL in commonName", kind: "Certificate", spec: cert({ subject: { commonName: "evil\u0000.example.com" } }), path: "spec.subject.commonName", server: CONTROL },
  { name: "tab in an organization", kind: "Certificate", spec: cert({ subject: { commonName: "x", organizations: ["ok", "a\tb"] } }), path: "spec.subject.organizations[1]", server: CONTROL },
  { name: "C1 control in a locality", kind: "Certificate", spec: cert({ subject: { commonName: "x", localities: ["a\u0085b"] } }), path: "spec.subject.localities[0]", server: CONTROL },
  { name: "bidi override in commonName", kind: "Certificate", spec: cert({ subject: { commonName: "abc\u202egpj.exe" } }), path: "spec.subject.commonName", server: CONTROL },
  { name: "line separator in uid", kind: "Certificate", spec: cert({ subject: { commonName: "x", uid: "a\u2028b" } }), path: "spec.subject.uid", server: CONTROL },
  { name: "lowercase country", kind: "Certificate", spec: cert({ subject: { commonName: "x", countries: ["br"] } }), path: "spec.subject.countries[0]", server: COUNTRY },
  { name: "unassigned country ZZ", kind: "Certificate", spec: cert({ subject: { commonName: "x", countries: ["ZZ"] } }), path: "spec.subject.countries[0]", server: COUNTRY },
  { name: "UK is not ISO 3166", kind: "Certificate", spec: cert({ subject: { commonName: "x", countries: ["UK"] } }), path: "spec.subject.countries[0]", server: COUNTRY },
  { name: "serialNumber outside PrintableString", kind: "Certificate", spec: cert({ subject: { commonName: "x", serialNumber: "ação" } }), path: "spec.subject.serialNumber", server: PATTERN, zod: "must be a PrintableString" },
  { name: "IDN dnsName (U-label)", kind: "Certificate", spec: cert({ dnsNames: ["bücher.example"] }), path: "spec.dnsNames[0]", server: PATTERN, zod: "write an IDN as its A-label" },
  { name: "dnsName label over 63", kind: "Certificate", spec: cert({ dnsNames: [`${"a".repeat(64)}.example`] }), path: "spec.dnsNames[0]", server: PATTERN, zod: "must be an ASCII DNS name" },
  { name: "dnsName with NUL", kind: "Certificate", spec: cert({ dnsNames: ["a\u0000.example"] }), path: "spec.dnsNames[0]", server: PATTERN, zod: "must be an ASCII DNS name" },
  { name: "non-ASCII email local part", kind: "Certificate", spec: cert({ emailAddresses: ["josé@example.com"] }), path: "spec.emailAddresses[0]", server: PATTERN, zod: "must be an email address of ASCII characters" },
  { name: "email with a no-break space", kind: "Certificate", spec: cert({ emailAddresses: ["a\u00a0b@example.com"] }), path: "spec.emailAddresses[0]", server: PATTERN, zod: "must be an email address of ASCII characters" },
  { name: "email at an IDN domain", kind: "Certificate", spec: cert({ emailAddresses: ["ops@bücher.example"] }), path: "spec.emailAddresses[0]", server: PATTERN, zod: "must be an email address of ASCII characters" },
  { name: "non-ASCII URI", kind: "Certificate", spec: cert({ uris: ["https://example.com/ação"] }), path: "spec.uris[0]", server: PATTERN, zod: "must be an absolute URI of ASCII characters" },
  { name: "URI with a broken %-escape", kind: "Certificate", spec: cert({ uris: ["urn:a%zz"] }), path: "spec.uris[0]", server: PATTERN, zod: "must be an absolute URI of ASCII characters" },
  { name: "URI with DEL", kind: "Certificate", spec: cert({ uris: ["urn:a\u007fb"] }), path: "spec.uris[0]", server: PATTERN, zod: "must be an absolute URI of ASCII characters" },
  { name: "otherAttributes bare arc 2.5.4", kind: "Certificate", spec: other("2.5.4", "v"), path: "spec.subject.otherAttributes[0].oid", server: "is a registration arc" },
  { name: "otherAttributes enterprise arc", kind: "Certificate", spec: other("1.3.6.1.4.1.99999", "v"), path: "spec.subject.otherAttributes[0].oid", server: "is a registration arc" },
  { name: "otherAttributes two arcs", kind: "Certificate", spec: other("2.5", "v"), path: "spec.subject.otherAttributes[0].oid", server: PATTERN, zod: "must be a dotted attribute OID" },
  { name: "otherAttributes second arc 40 under 1", kind: "Certificate", spec: other("1.40.1", "v"), path: "spec.subject.otherAttributes[0].oid", server: PATTERN, zod: "must be a dotted attribute OID" },
  { name: "otherAttributes arc of 10 digits", kind: "Certificate", spec: other("1.2.1234567890", "v"), path: "spec.subject.otherAttributes[0].oid", server: PATTERN, zod: "must be a dotted attribute OID" },
  { name: "otherAttributes commonName by OID", kind: "Certificate", spec: other("2.5.4.3", "second"), path: "spec.subject.otherAttributes[0].oid", server: "has its own subject field" },
  { name: "otherAttributes dateOfBirth", kind: "Certificate", spec: other("1.3.6.1.5.5.7.9.1", "19900101000000Z"), path: "spec.subject.otherAttributes[0].oid", server: "not a character string" },
  { name: "jurisdictionCountryName lowercase", kind: "Certificate", spec: other("1.3.6.1.4.1.311.60.2.1.3", "br"), path: "spec.subject.otherAttributes[0].value", server: COUNTRY },
  { name: "jurisdictionCountryName a name", kind: "Certificate", spec: other("1.3.6.1.4.1.311.60.2.1.3", "Brazil"), path: "spec.subject.otherAttributes[0].value", server: COUNTRY },
  { name: "emailAddress attribute non-ASCII", kind: "Certificate", spec: other("1.2.840.113549.1.9.1", "é@example.com"), path: "spec.subject.otherAttributes[0].value", server: "this attribute is an IA5String" },
  { name: "dnQualifier outside PrintableString", kind: "Certificate", spec: other("2.5.4.46", "a@b"), path: "spec.subject.otherAttributes[0].value", server: "this attribute is a PrintableString" },
  { name: "domainComponent over 63", kind: "Certificate", spec: other("0.9.2342.19200300.100.1.25", "d".repeat(64)), path: "spec.subject.otherAttributes[0].value", server: "at most 63 characters" },
  { name: "control character in an otherAttribute", kind: "Certificate", spec: other("1.2.3.4", "a\nb"), path: "spec.subject.otherAttributes[0].value", server: CONTROL },
];

const profileCases = (kind: "RAProfile" | "ClusterRAProfile"): BadCase[] => [
  { name: "authority local without local member", kind, spec: profile({ authority: { type: "local" } }), path: "spec.authority", server: "set exactly the member named by type", zod: "expected object, received undefined", zodPath: "spec.authority.local" },
  { name: "unknown authority type", kind, spec: profile({ authority: { type: "vault", local: authority.local } }), path: "spec.authority.type", server: 'Unsupported value: "vault"', zod: "Invalid discriminator value" },
  { name: "stepca with two CA bundles", kind, spec: profile({ authority: { type: "stepca", stepca: { url: "https://step-ca:9000", provisioner: { name: "p", keySecretRef: { name: "k", key: "key.json" } }, caBundleSecretRef: { name: "a", key: "ca.crt" }, caBundleConfigMapRef: { name: "a", key: "ca.crt" } } } }), path: "spec.authority.stepca.caBundleConfigMapRef", server: "set at most one of caBundleSecretRef and caBundleConfigMapRef" },
  { name: "local without caSecretName", kind, spec: profile({ authority: { type: "local", local: { generate: true } } }), path: "spec.authority.local.caSecretName", server: "Required value", zod: "expected string, received undefined" },
  { name: "CRL distribution point not http", kind, spec: profile({ authority: { type: "local", local: { caSecretName: "ca", crlDistributionPoints: ["ldap://x"] } } }), path: "spec.authority.local.crlDistributionPoints[0]", server: PATTERN, zod: "must be an http or https URL" },
  { name: "enabled as string", kind, spec: profile({ enabled: "yes" }), path: "spec.enabled", server: "must be of type boolean", zod: "expected boolean, received string" },
  { name: "policy minDuration > maxDuration", kind, spec: profile({ policy: { minDuration: "720h", maxDuration: "24h" } }), path: "spec.policy.minDuration", server: "minDuration must not exceed maxDuration" },
  { name: "policy maxDuration in days", kind, spec: profile({ policy: { maxDuration: "365d" } }), path: "spec.policy.maxDuration", server: PATTERN, zod: DURATION_HINT },
  { name: "defaults.duration > policy.maxDuration", kind, spec: profile({ defaults: { duration: "8760h" }, policy: { maxDuration: "8400h" } }), path: "spec.defaults.duration", server: "defaults.duration must not exceed policy.maxDuration" },
  { name: "defaults.duration < policy.minDuration", kind, spec: profile({ defaults: { duration: "1h" }, policy: { minDuration: "24h" } }), path: "spec.defaults.duration", server: "defaults.duration must not be below policy.minDuration" },
  { name: "defaults.renewBefore >= defaults.duration", kind, spec: profile({ defaults: { duration: "1440h", renewBefore: "1440h" } }), path: "spec.defaults.renewBefore", server: "defaults.renewBefore must be shorter than defaults.duration" },
  { name: "defaults.privateKey ECDSA 521", kind, spec: profile({ defaults: { privateKey: { algorithm: "ECDSA", size: 521 } } }), path: "spec.defaults.privateKey.size", server: "ECDSA key size must be one of 256, 384" },
  { name: "CIDR prefix over 32", kind, spec: profile({ policy: { ipAddresses: ["10.0.0.0/33"] } }), path: "spec.policy.ipAddresses[0]", server: "must be a CIDR such as 10.0.0.0/8 or fd00::/8" },
  { name: "CIDR without prefix", kind, spec: profile({ policy: { ipAddresses: ["10.0.0.0"] } }), path: "spec.policy.ipAddresses[0]", server: "must be a CIDR such as 10.0.0.0/8 or fd00::/8" },
  { name: "policy RSA size 1024", kind, spec: profile({ policy: { keyAlgorithms: [{ algorithm: "RSA", sizes: [2048, 1024] }] } }), path: "spec.policy.keyAlgorithms[0].sizes", server: "RSA sizes must be among 2048, 3072, 4096" },
  { name: "policy ECDSA size 521", kind, spec: profile({ policy: { keyAlgorithms: [{ algorithm: "ECDSA", sizes: [521] }] } }), path: "spec.policy.keyAlgorithms[0].sizes", server: "ECDSA sizes must be among 256, 384" },
  { name: "policy Ed25519 with sizes", kind, spec: profile({ policy: { keyAlgorithms: [{ algorithm: "Ed25519", sizes: [256] }] } }), path: "spec.policy.keyAlgorithms[0].sizes", server: "Ed25519 has no sizes" },
  { name: "policy unknown certificate type", kind, spec: profile({ policy: { allowedTypes: ["server", "code-signing"] } }), path: "spec.policy.allowedTypes[1]", server: 'Unsupported value: "code-signing"', zod: "Invalid option" },
  { name: "required subject attribute not allowed", kind, spec: profile({ policy: { allowedSubjectAttributes: ["commonName"], requiredSubjectAttributes: ["commonName", "organizations"] } }), path: "spec.policy.requiredSubjectAttributes", server: "every required subject attribute must also be allowed" },
  { name: "unknown subject attribute", kind, spec: profile({ policy: { allowedSubjectAttributes: ["emailAddress"] } }), path: "spec.policy.allowedSubjectAttributes[0]", server: 'Unsupported value: "emailAddress"', zod: "Invalid option" },
  { name: "revocation.onSupersede Delete", kind, spec: profile({ revocation: { onSupersede: "Delete" } }), path: "spec.revocation.onSupersede", server: 'Unsupported value: "Delete"', zod: "Invalid option" },
];

const namespaceSelectorCases: BadCase[] = [
  { name: "namespaceSelector In without values", kind: "ClusterRAProfile", spec: profile({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "In" }] } }), path: "spec.namespaceSelector.matchExpressions[0].values", server: "In and NotIn need values; Exists and DoesNotExist take none" },
  { name: "namespaceSelector NotIn with empty values", kind: "ClusterRAProfile", spec: profile({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "NotIn", values: [] }] } }), path: "spec.namespaceSelector.matchExpressions[0].values", server: "In and NotIn need values" },
  { name: "namespaceSelector Exists with values", kind: "ClusterRAProfile", spec: profile({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "Exists", values: ["a"] }] } }), path: "spec.namespaceSelector.matchExpressions[0].values", server: "Exists and DoesNotExist take none" },
  { name: "namespaceSelector operator Equals", kind: "ClusterRAProfile", spec: profile({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "Equals", values: ["a"] }] } }), path: "spec.namespaceSelector.matchExpressions[0].operator", server: 'Unsupported value: "Equals"', zod: "Invalid option" },
  { name: "namespaceSelector label value not a string", kind: "ClusterRAProfile", spec: profile({ namespaceSelector: { matchLabels: { team: 5 } } }), path: "spec.namespaceSelector.matchLabels.team", server: "must be of type string", zod: "expected string, received number" },
];

const UUID = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const http = (raProfileAttributes: unknown[]): Spec => profile({ authority: { type: "http", http: { url: "https://c.example", authorityUuid: UUID, raProfileAttributes } } });
const ATTR = "spec.authority.http.raProfileAttributes[0]";
const czertainlyCases: BadCase[] = [
  { name: "attribute: a string where object is declared", kind: "RAProfile", spec: http([{ name: "ra_profile_engine", contentType: "object", content: [{ string: "pki" }] }]), path: `${ATTR}.content`, server: "contentType object needs object holding an object" },
  { name: "attribute: an inline secret", kind: "RAProfile", spec: http([{ name: "s", contentType: "secret", content: [{ string: "hunter2" }] }]), path: `${ATTR}.content`, server: "contentType secret must come from a Secret (dataSecretRef), never inline" },
  { name: "attribute: two values in one content item", kind: "RAProfile", spec: http([{ name: "r", contentType: "string", content: [{ string: "a", boolean: true }] }]), path: `${ATTR}.content[0]`, server: "set exactly one of string, integer, float" },
  { name: "attribute: a bad date", kind: "RAProfile", spec: http([{ name: "d", contentType: "date", content: [{ date: "1.12.2026" }] }]), path: `${ATTR}.content[0].date`, server: PATTERN, zod: "must be a date yyyy-MM-dd" },
  { name: "attribute: unknown contentType", kind: "RAProfile", spec: http([{ name: "r", contentType: "json", content: [{ string: "x" }] }]), path: `${ATTR}.contentType`, server: 'Unsupported value: "json"', zod: "Invalid option" },
  { name: "attribute: the old {name, value} form", kind: "RAProfile", spec: http([{ name: "endEntityProfile", value: "TLS" }]), path: `${ATTR}.contentType`, server: "Required value", zod: "expected one of" },
];

const acme = (acmeOver: Spec): Spec => profile({ authority: { type: "acme", acme: { server: "https://ca.example/dir", accountKeySecretRef: { name: "acct" }, ...acmeOver } } });
const rfc2136 = { nameserver: "ns1.example.com:53", zone: "example.com", tsigKeyName: "k", tsigSecretSecretRef: { name: "tsig", key: "secret" } };
const solverService = { name: "certwright-acme-solver" };
const acmeSolverCases: BadCase[] = [
  { name: "acme solvers with neither http01 nor dns01", kind: "RAProfile", spec: acme({ solvers: {} }), path: "spec.authority.acme.solvers", server: "set http01, dns01 or both" },
  {
    name: "acme http01 with an Ingress and an HTTPRoute",
    kind: "RAProfile",
    spec: acme({ solvers: { http01: { ingress: { service: solverService }, gatewayHTTPRoute: { parentRefs: [{ name: "gw" }], service: solverService } } } }),
    path: "spec.authority.acme.solvers.http01",
    server: "set at most one of ingress and gatewayHTTPRoute",
  },
  { name: "acme dns01 TSIG hmac-md5", kind: "RAProfile", spec: acme({ solvers: { dns01: { rfc2136: { ...rfc2136, tsigAlgorithm: "hmac-md5" } } } }), path: "spec.authority.acme.solvers.dns01.rfc2136.tsigAlgorithm", server: 'Unsupported value: "hmac-md5"', zod: 'expected "hmac-sha256"' },
  { name: "acme EAB without keyID", kind: "RAProfile", spec: acme({ externalAccountBinding: { keySecretRef: { name: "eab", key: "k" } } }), path: "spec.authority.acme.externalAccountBinding.keyID", server: "Required value", zod: "expected string, received undefined" },
];

const badCases: BadCase[] = [
  ...acmeSolverCases,
  ...certificateCases,
  ...czertainlyCases,
  ...nameCases,
  ...profileCases("RAProfile"),
  ...profileCases("ClusterRAProfile"),
  ...namespaceSelectorCases,
];

/** Specs at the edges of what is allowed: both the server and zod must accept them. */
const edgeCases: { name: string; kind: Kind; spec: Spec }[] = [
  {
    name: "non-ASCII DirectoryStrings, XX, jurisdictionC, enterprise OID, mixed-case ASCII names",
    kind: "Certificate",
    spec: cert({
      subject: {
        commonName: "São Paulo ☃ 日本 🔒",
        countries: ["BR", "XX"],
        organizations: ["Acme, Inc. + \"Co\"; <x>"],
        serialNumber: "IDCBR-12345678000199 (x)",
        otherAttributes: [
          { oid: "1.3.6.1.4.1.311.60.2.1.3", value: "BR" },
          { oid: "1.3.6.1.4.1.99999.1", value: "ünïcödé" },
          { oid: "0.9.2342.19200300.100.1.25", value: "example" },
        ],
      },
      dnsNames: ["API.Example.com", "*.xn--bcher-kva.example", "_acme.example"],
      uris: ["spiffe://cluster.local/ns/a/sa/b", "https://example.com/a%C3%A7?x=1#f"],
      emailAddresses: ["Ops+tag@Example.com", "a.b@c"],
    }),
  },
  { name: "IPv6 and IPv4 SANs only", kind: "Certificate", spec: without(cert({ type: "server", ipAddresses: ["10.0.0.1", "fd00::1", "2001:db8::10.1.2.3"] }), "subject") },
  { name: "external CSR server certificate without SANs", kind: "Certificate", spec: without(cert({ type: "server", csrSecretRef: { name: "csr" } }), "subject") },
  { name: "mixed-unit durations", kind: "Certificate", spec: cert({ duration: "1h30m", renewBefore: "45m30s" }) },
  { name: "wildcard dnsName, URI and email SANs", kind: "Certificate", spec: without(cert({ type: "client", dnsNames: ["*.example.com"], uris: ["spiffe://cluster.local/ns/a/sa/b"], emailAddresses: ["ops@example.com"] }), "subject") },
  { name: "Ed25519 without size, pkcs12 with password", kind: "Certificate", spec: cert({ privateKey: { algorithm: "Ed25519" }, keystores: { pkcs12: { create: true, passwordSecretRef: { name: "p", key: "password" } } } }) },
  { name: "profile with equal min and max duration and IPv6 CIDR", kind: "RAProfile", spec: profile({ defaults: { duration: "24h" }, policy: { minDuration: "24h", maxDuration: "24h", ipAddresses: ["fd00::/8", "0.0.0.0/0"] } }) },
  {
    name: "http authority with typed attributes of every inline kind, a Secret-backed secret, and mTLS",
    kind: "RAProfile",
    spec: http([
      { name: "ra_profile_engine", contentType: "object", content: [{ object: { engineName: "pki", nested: { list: [1, "a"] } } }] },
      { name: "ra_profile_role", contentType: "string", content: [{ string: "servers", reference: "Servers" }] },
      { name: "ttl", contentType: "integer", content: [{ integer: 30 }] },
      { name: "ratio", contentType: "float", content: [{ float: "0.5" }] },
      { name: "flag", contentType: "boolean", content: [{ boolean: true }] },
      { name: "since", contentType: "datetime", content: [{ datetime: "2026-12-01T10:00:00Z" }] },
      { name: "password", contentType: "secret", content: [{ dataSecretRef: { name: "vault", key: "password" } }] },
    ]),
  },
  {
    name: "acme with both solvers (Gateway route) and EAB",
    kind: "RAProfile",
    spec: acme({
      solvers: { http01: { gatewayHTTPRoute: { parentRefs: [{ name: "gw", namespace: "infra", sectionName: "http" }], service: { ...solverService, port: 8089 } } }, dns01: { rfc2136 } },
      externalAccountBinding: { keyID: "kid", keySecretRef: { name: "eab", key: "hmac" } },
    }),
  },
  { name: "namespaceSelector Exists and DoesNotExist without values", kind: "ClusterRAProfile", spec: profile({ namespaceSelector: { matchExpressions: [{ key: "a", operator: "Exists" }, { key: "b", operator: "DoesNotExist" }] } }) },
];

// ---- examples/ ----

const EXAMPLES_DIR = fileURLToPath(new URL("../../examples", import.meta.url));

interface Example {
  name: string;
  obj: CertwrightObject & { kind: Kind };
}

function loadExamples(): Example[] {
  const files = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".yaml")).sort();
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(EXAMPLES_DIR, file), "utf8"))
      .filter((doc) => doc.contents !== null)
      .map((doc) => {
        if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
        const obj = doc.toJSON() as Example["obj"];
        return { name: `${file}: ${obj.kind} ${obj.metadata.name}`, obj };
      }),
  );
}

const examples = loadExamples();

// ---- helpers ----

const suffix = () => randomBytes(3).toString("hex");

function objectOf(kind: Kind, name: string, spec: Spec, namespace?: string): CertwrightObject {
  const metadata = KINDS[kind].resource.namespaced ? { name, namespace } : { name };
  return { apiVersion: API_VERSION, kind, metadata, spec };
}

async function dryRunCreate(client: KubeClient, obj: CertwrightObject): Promise<CertwrightObject> {
  const r = KINDS[obj.kind as Kind].resource;
  return client.rest.request<CertwrightObject>("POST", collectionPath(r, obj.metadata.namespace), {
    body: obj,
    query: { dryRun: "All", fieldManager: "crd-validation-test" },
  });
}

async function serverRefusal(client: KubeClient, obj: CertwrightObject): Promise<KubeApiError> {
  const r = KINDS[obj.kind as Kind].resource;
  try {
    await client.create(r, obj);
  } catch (e) {
    if (e instanceof KubeApiError) return e;
    throw e;
  }
  await client.delete(r, obj.metadata.namespace, obj.metadata.name!);
  throw new Error(`the API server accepted ${obj.kind} ${JSON.stringify(obj.spec)}`);
}

function zodRefusal(kind: Kind, obj: unknown): string {
  try {
    KINDS[kind].parse(obj);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`zod accepted ${kind} ${JSON.stringify(obj)}`);
}

// ---- tests ----

describe("CRD validation on the API server", () => {
  let client: KubeClient;
  let ns: string;

  beforeAll(async () => {
    client = testClient();
    ns = await freshNamespace(client, "crdval");
  });

  it("has a broad table of bad specs", () => {
    expect(badCases.length).toBeGreaterThanOrEqual(22);
    expect(new Set(badCases.map((c) => `${c.kind}: ${c.name}`)).size).toBe(badCases.length);
    expect(new Set(badCases.map((c) => c.kind))).toEqual(new Set(["Certificate", "RAProfile", "ClusterRAProfile"]));
  });

  describe("refuses bad specs with 422 and a clear message; zod refuses them too", () => {
    it.for(badCases.map((c) => [`${c.kind}: ${c.name}`, c] as const))("%s", async ([, c]) => {
      const obj = objectOf(c.kind, `bad-${suffix()}`, c.spec, ns);
      const err = await serverRefusal(client, obj);
      expect(err.status, err.message).toBe(422);
      expect(err.reason).toBe("Invalid");
      expect(err.message).toContain(`${c.path}: `);
      expect(err.message).toContain(c.server);

      const zodMessage = zodRefusal(c.kind, obj);
      expect(zodMessage).toContain(`${c.zodPath ?? c.path}: `);
      expect(zodMessage).toContain(c.zod ?? c.server);
    });
  });

  describe("accepts specs at the edge of what is allowed, as zod does", () => {
    it.for(edgeCases.map((c) => [`${c.kind}: ${c.name}`, c] as const))("%s", async ([, c]) => {
      const obj = objectOf(c.kind, `edge-${suffix()}`, c.spec, ns);
      const created = await dryRunCreate(client, obj);
      expect(KINDS[c.kind].parse(created).spec).toEqual(created.spec);
      expect(() => KINDS[c.kind].parse(obj)).not.toThrow();
    });
  });

  describe("examples/", () => {
    it("covers the three kinds and the profile the certificates use", () => {
      const kinds = new Set(examples.map((e) => e.obj.kind));
      expect(kinds).toEqual(new Set(["Certificate", "RAProfile", "ClusterRAProfile"]));
      const profiles = new Set(examples.filter((e) => e.obj.kind === "RAProfile").map((e) => e.obj.metadata.name));
      for (const e of examples.filter((x) => x.obj.kind === "Certificate")) {
        expect(profiles.has((e.obj.spec.raProfileRef as { name: string }).name), e.name).toBe(true);
      }
    });

    it("example Certificates are inside the policy of the example RAProfile they name", () => {
      for (const e of examples.filter((x) => x.obj.kind === "Certificate")) {
        const { spec } = parseCertificate(e.obj);
        const profileDoc = examples.find((x) => x.obj.kind === "RAProfile" && x.obj.metadata.name === spec.raProfileRef.name)!;
        const profileSpec = parseRAProfile(profileDoc.obj).spec;
        const key = spec.privateKey ?? profileSpec.defaults?.privateKey ?? { algorithm: "RSA" as const, size: 2048 };
        const violation = evaluatePolicy(profileSpec, {
          type: spec.type,
          subject: spec.subject,
          sans: {
            dnsNames: spec.dnsNames ?? [],
            ipAddresses: spec.ipAddresses ?? [],
            uris: spec.uris ?? [],
            emailAddresses: spec.emailAddresses ?? [],
          },
          key: { algorithm: key.algorithm, size: key.size },
          durationMs: parseDuration(spec.duration ?? profileSpec.defaults?.duration ?? DEFAULT_DURATION),
          external: spec.csrSecretRef !== undefined,
        });
        expect(violation, e.name).toBeUndefined();
      }
    });

    it.for(examples.map((e) => [e.name, e] as const))("%s is accepted (dryRun=All) as server and zod agree", async ([, e]) => {
      expect(e.obj.apiVersion).toBe(API_VERSION);
      expect(e.obj.metadata.namespace, "examples stay namespace-less for kubectl apply -n").toBeUndefined();
      const body = { ...e.obj, metadata: { ...e.obj.metadata, namespace: KINDS[e.obj.kind].resource.namespaced ? ns : undefined } };
      const created = await dryRunCreate(client, body);
      expect(created.metadata.uid).toBeDefined();
      // Server defaulting and zod defaulting give the same spec.
      expect(KINDS[e.obj.kind].parse(created).spec).toEqual(created.spec);
      expect(KINDS[e.obj.kind].parse(e.obj).spec).toEqual(created.spec);
      // dryRun persisted nothing.
      const r = KINDS[e.obj.kind].resource;
      expect(await client.find(r, body.metadata.namespace, e.obj.metadata.name!)).toBeUndefined();
    });
  });

  describe("server defaults", () => {
    it("are visible on a created Certificate and match zod's", async () => {
      const input = objectOf("Certificate", "defaults", cert({ privateKey: { size: 2048 }, revocation: {} }), ns);
      const created = await client.create(CERTIFICATES, input);
      const got = await client.get<CertwrightObject>(CERTIFICATES, ns, "defaults");
      expect(got.spec.raProfileRef).toEqual({ name: "local-ca", kind: "RAProfile" });
      expect(got.spec.privateKey).toEqual({ algorithm: "RSA", size: 2048, rotationPolicy: "Always", encoding: "PKCS8" });
      expect(got.spec.revocation).toEqual({ reason: "unspecified" });
      expect(created.spec).toEqual(got.spec);
      expect(parseCertificate(input).spec).toEqual(got.spec);
    });

    it("are visible on a created RAProfile and ClusterRAProfile and match zod's", async () => {
      const spec = profile({ policy: { maxDuration: "8760h" } });
      const rap = await client.create(RA_PROFILES, objectOf("RAProfile", "defaults", spec, ns));
      expect(rap.spec.enabled).toBe(true);
      expect(rap.spec.authority).toEqual({ type: "local", local: { caSecretName: "ca", generate: true, ocspSigner: "Delegated" } });
      expect(rap.spec.revocation).toEqual({ onSupersede: "Retain", onDelete: "Retain" });
      expect(rap.spec.policy).toEqual({ maxDuration: "8760h", allowExternalCSR: false });
      expect(parseRAProfile(objectOf("RAProfile", "defaults", spec, ns)).spec).toEqual(rap.spec);

      const name = `defaults-${suffix()}`;
      const crp = await client.create(CLUSTER_RA_PROFILES, objectOf("ClusterRAProfile", name, spec));
      try {
        expect(crp.metadata.namespace).toBeUndefined();
        expect(crp.spec.enabled).toBe(true);
        expect(parseClusterRAProfile(objectOf("ClusterRAProfile", name, spec)).spec).toEqual(crp.spec);
      } finally {
        await client.delete(CLUSTER_RA_PROFILES, undefined, name);
      }
    });
  });
});
