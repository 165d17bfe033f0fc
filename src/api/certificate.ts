// Certificate: what a workload asks for (spec) and what the controller reports (status).
import { z } from "zod";
import { celNonEmpty, celStrings, nonEmpty, withRules, type CelRule } from "./cel-rules.ts";
import { dnsName, emailAddress, objectName, secretKey, secretKeySelector, stringMap, uri } from "./common.ts";
import { conditionsSchema, rfc3339 } from "./conditions.ts";
import { durationString, isDuration, parseDuration } from "./duration.ts";
import { isIP } from "./ip-address.ts";
import {
  certificateTypeSchema,
  keyAlgorithmSchema,
  keySizeRules,
  keySizeSchema,
  revocationReasonSchema,
  subjectSchema,
} from "./x509.ts";

export const raProfileKinds = ["RAProfile", "ClusterRAProfile"] as const;

export const raProfileRefSchema = z.object({
  name: objectName.describe("Name of the RAProfile (same namespace) or ClusterRAProfile."),
  kind: z.enum(raProfileKinds).default("RAProfile"),
});
export type RAProfileRef = z.output<typeof raProfileRefSchema>;

export const privateKeySchema = withRules(
  z.object({
    algorithm: keyAlgorithmSchema.default("RSA"),
    size: keySizeSchema.optional().describe("Bits: RSA 2048/3072/4096, ECDSA 256/384; unset for Ed25519."),
    rotationPolicy: z
      .enum(["Always", "Never"])
      .default("Always")
      .describe("Always: every renewal makes a new key. Never: renewals reuse the key in the Secret."),
    encoding: z.enum(["PKCS8"]).default("PKCS8"),
  }),
  keySizeRules,
);
export type PrivateKeySpec = z.output<typeof privateKeySchema>;

export const csrSecretRefSchema = z.object({
  name: objectName,
  key: secretKey.default("tls.csr"),
});

export const pkcs12Schema = withRules(
  z.object({
    create: z.boolean(),
    passwordSecretRef: secretKeySelector.optional(),
  }),
  [
    {
      rule: "!self.create || has(self.passwordSecretRef)",
      message: "a PKCS#12 keystore needs passwordSecretRef",
      fieldPath: ".passwordSecretRef",
      holds: (p) => !p.create || p.passwordSecretRef !== undefined,
    },
  ],
);

const sans = {
  dnsNames: z.array(dnsName).max(100).optional().describe("DNS subjectAltNames; a leading '*.' asks for a wildcard."),
  ipAddresses: z
    .array(withRules(z.string().max(45), [{ rule: "isIP(self)", message: "must be an IPv4 or IPv6 address", holds: isIP }]))
    .max(100)
    .optional()
    .describe("IP address subjectAltNames (IPv4 or IPv6)."),
  uris: z.array(uri).max(100).optional().describe("URI subjectAltNames, e.g. spiffe://cluster.local/ns/app/sa/api."),
  emailAddresses: z.array(emailAddress).max(100).optional().describe("Email (rfc822Name) subjectAltNames."),
};

const certificateSpecObject = z.object({
  raProfileRef: raProfileRefSchema.describe("The RA profile that decides how, and whether, to issue."),
  type: certificateTypeSchema.describe("What the certificate is for; sets key usages and what the profile allows."),
  secretName: objectName.describe("Secret (kubernetes.io/tls) that receives the certificate and key."),
  subject: subjectSchema.optional().describe("Distinguished name attributes; the profile policy says which are allowed."),
  ...sans,
  duration: durationString.optional().describe("Requested lifetime, e.g. 8400h. Default from the profile."),
  renewBefore: durationString.optional().describe("Renew this long before expiry, e.g. 1440h. Default from the profile."),
  privateKey: privateKeySchema
    .optional()
    .describe("Key to generate. Unset: the profile default, else RSA 2048. Not with csrSecretRef."),
  csrSecretRef: csrSecretRefSchema
    .optional()
    .describe("Sign this external CSR (PEM) instead; then no private key is generated or stored."),
  secretTemplate: z
    .object({ labels: stringMap.optional(), annotations: stringMap.optional() })
    .optional()
    .describe("Labels and annotations copied onto the Secret."),
  keystores: z
    .object({ pkcs12: pkcs12Schema.optional().describe("Also write keystore.p12, encrypted with the referenced password.") })
    .optional(),
  jwks: z
    .object({ enabled: z.boolean(), alg: z.string().max(32).regex(/^[A-Za-z0-9+-]+$/).optional() })
    .optional()
    .describe("Publish the public key as a JWK Set (jwks.json) in the Secret."),
  revocation: z
    .object({ reason: revocationReasonSchema.default("unspecified") })
    .optional()
    .describe("Set to revoke the current certificate; while set it is not renewed."),
  renewalRequest: z
    .object({ id: z.string().min(1).max(128), rekey: z.boolean().optional() })
    .optional()
    .describe("One-shot trigger: a new id asks for one renewal (rekey overrides rotationPolicy once)."),
});
type CertificateSpecShape = z.output<typeof certificateSpecObject>;

const hasIdentity = (s: CertificateSpecShape): boolean =>
  s.subject?.commonName !== undefined ||
  nonEmpty(s.dnsNames) ||
  nonEmpty(s.ipAddresses) ||
  nonEmpty(s.uris) ||
  nonEmpty(s.emailAddresses);

const jwksTypes = ["signing", "encryption"] as const;

export const certificateSpecRules: CelRule<CertificateSpecShape>[] = [
  {
    rule: "!(has(self.privateKey) && has(self.csrSecretRef))",
    message: "privateKey and csrSecretRef are mutually exclusive: with an external CSR the key is not ours",
    holds: (s) => !(s.privateKey !== undefined && s.csrSecretRef !== undefined),
  },
  {
    rule:
      "has(self.csrSecretRef) || (has(self.subject) && has(self.subject.commonName)) || " +
      ["dnsNames", "ipAddresses", "uris", "emailAddresses"].map(celNonEmpty).join(" || "),
    message: "set subject.commonName or at least one of dnsNames, ipAddresses, uris, emailAddresses (or use csrSecretRef)",
    holds: (s) => s.csrSecretRef !== undefined || hasIdentity(s),
  },
  {
    rule: `self.type != 'server' || has(self.csrSecretRef) || ${celNonEmpty("dnsNames")} || ${celNonEmpty("ipAddresses")}`,
    message: "a server certificate needs dnsNames or ipAddresses",
    holds: (s) => s.type !== "server" || s.csrSecretRef !== undefined || nonEmpty(s.dnsNames) || nonEmpty(s.ipAddresses),
  },
  {
    rule: "!has(self.renewBefore) || !has(self.duration) || duration(self.renewBefore) < duration(self.duration)",
    message: "renewBefore must be shorter than duration",
    fieldPath: ".renewBefore",
    holds: (s) =>
      s.renewBefore === undefined || s.duration === undefined || parseDuration(s.renewBefore) < parseDuration(s.duration),
  },
  {
    rule: "!has(self.duration) || duration(self.duration) > duration('0s')",
    message: "duration must be longer than zero",
    fieldPath: ".duration",
    holds: (s) => s.duration === undefined || !isDuration(s.duration) || parseDuration(s.duration) > 0,
  },
  {
    rule: "self.type != 'encryption' || !has(self.privateKey) || self.privateKey.algorithm != 'Ed25519'",
    message: "an Ed25519 key can only sign: an encryption certificate needs an RSA or ECDSA key",
    fieldPath: ".privateKey.algorithm",
    holds: (s) => s.type !== "encryption" || s.privateKey?.algorithm !== "Ed25519",
  },
  {
    rule: `!has(self.jwks) || !self.jwks.enabled || self.type in ${celStrings(jwksTypes)}`,
    message: "jwks is only for signing and encryption certificates",
    fieldPath: ".jwks",
    holds: (s) => !s.jwks?.enabled || (jwksTypes as readonly string[]).includes(s.type),
  },
  {
    rule: "!has(self.csrSecretRef) || !has(self.keystores) || !has(self.keystores.pkcs12) || !self.keystores.pkcs12.create",
    message: "a PKCS#12 keystore needs the private key, which an external CSR (csrSecretRef) does not give",
    fieldPath: ".keystores",
    holds: (s) => s.csrSecretRef === undefined || !s.keystores?.pkcs12?.create,
  },
];

export const certificateSpecSchema = withRules(certificateSpecObject, certificateSpecRules);
export type CertificateSpec = z.output<typeof certificateSpecSchema>;
export type CertificateSpecInput = z.input<typeof certificateSpecSchema>;

export const historyStates = ["issued", "superseded", "revoked", "expired"] as const;

const serialNumber = z.string().max(64).regex(/^[0-9a-fA-F:]+$/);
const fingerprint = z.string().max(128);

export const historyEntrySchema = z.object({
  serialNumber,
  notBefore: rfc3339,
  notAfter: rfc3339,
  fingerprintSHA256: fingerprint.optional(),
  state: z.enum(historyStates),
  revocationReason: revocationReasonSchema.optional(),
  revokedAt: rfc3339.optional(),
  issuedAt: rfc3339.optional().describe("When certwright stored this certificate; counts towards policy.maxIssuancesPerHour."),
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

export const MAX_HISTORY = 20;

export const certificateStatusSchema = z.object({
  conditions: conditionsSchema.optional(),
  observedGeneration: z.int().min(0).optional(),
  notBefore: rfc3339.optional(),
  notAfter: rfc3339.optional(),
  renewalTime: rfc3339.optional(),
  serialNumber: serialNumber.optional(),
  fingerprintSHA256: fingerprint.optional(),
  revision: z.int().min(0).optional().describe("Counts issuances; 1 for the first certificate."),
  failedIssuanceAttempts: z.int().min(0).optional(),
  lastFailureTime: rfc3339.optional(),
  nextRetryTime: rfc3339.optional(),
  lastRenewalRequestId: z.string().max(128).optional(),
  history: z
    .array(historyEntrySchema)
    .max(MAX_HISTORY)
    .optional()
    .describe("Newest first; the inventory of certificates issued for this resource."),
});
export type CertificateStatus = z.output<typeof certificateStatusSchema>;
