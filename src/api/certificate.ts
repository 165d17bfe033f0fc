// Certificate: what a workload asks for (spec) and what the controller reports (status).
import { z } from "zod";
import { celNonEmpty, celStrings, nonEmpty, withRules, type CelRule } from "./cel-rules.ts";
import { dnsName, emailAddress, objectName, secretKey, secretKeySelector, stringMap, uri } from "./common.ts";
import { conditionsSchema, rfc3339 } from "./conditions.ts";
import { durationString, isDuration, parseDuration } from "./duration.ts";
import { isIP } from "./ip-address.ts";
import { refusedRequestSchema } from "./refused-request.ts";
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
  kind: z
    .enum(raProfileKinds)
    .default("RAProfile")
    .describe("RAProfile (in the Certificate's namespace) or ClusterRAProfile."),
});

export const privateKeySchema = withRules(
  z.object({
    algorithm: keyAlgorithmSchema.default("RSA").describe("RSA, ECDSA (P-256 or P-384 by size) or Ed25519."),
    size: keySizeSchema
      .optional()
      .describe("Bits: RSA 2048/3072/4096, ECDSA 256/384; unset for Ed25519. Unset: 2048 for RSA, 256 for ECDSA."),
    rotationPolicy: z
      .enum(["Always", "Never"])
      .default("Always")
      .describe("Always: every renewal makes a new key. Never: renewals reuse the key in the Secret."),
    encoding: z.enum(["PKCS8"]).default("PKCS8").describe("Encoding of tls.key in the Secret; only PKCS#8 (PEM)."),
  }),
  keySizeRules,
);

export const csrSecretRefSchema = z.object({
  name: objectName.describe("Secret in the Certificate's namespace that holds the PEM CSR."),
  key: secretKey.default("tls.csr").describe("Key of the CSR in that Secret's data."),
});

export const pkcs12Schema = withRules(
  z.object({
    create: z.boolean().describe("true: write keystore.p12 (certificate, chain and key) into the Secret."),
    passwordSecretRef: secretKeySelector
      .optional()
      .describe("Secret key holding the keystore password; required when create is true."),
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
    .object({
      labels: stringMap.optional().describe("Labels added to the Secret."),
      annotations: stringMap.optional().describe("Annotations added to the Secret."),
    })
    .optional()
    .describe("Labels and annotations copied onto the Secret."),
  keystores: z
    .object({ pkcs12: pkcs12Schema.optional().describe("Also write keystore.p12, encrypted with the referenced password.") })
    .optional()
    .describe("Extra keystore formats written into the Secret next to tls.crt and tls.key."),
  jwks: z
    .object({
      enabled: z.boolean().describe("true: write jwks.json (the public key as a JWK Set) into the Secret."),
      alg: z
        .string()
        .max(32)
        .regex(/^[A-Za-z0-9+-]+$/)
        .optional()
        .describe(
          "JWK alg. Unset: from the key (PS256, ES256, ES384 or EdDSA for signing; RSA-OAEP-256 or ECDH-ES for encryption). Must fit the key; checked at issuance.",
        ),
    })
    .optional()
    .describe("Publish the public key as a JWK Set (jwks.json) in the Secret."),
  revocation: z
    .object({ reason: revocationReasonSchema.default("unspecified").describe("RFC 5280 CRL reason sent to the CA.") })
    .optional()
    .describe("Set to revoke the current certificate; while set it is not renewed."),
  renewalRequest: z
    .object({
      id: z.string().min(1).max(128).describe("Change it to ask for one more renewal; status.lastRenewalRequestId records the last one acted on."),
      rekey: z.boolean().optional().describe("true: this renewal makes a new key even with privateKey.rotationPolicy Never."),
    })
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
  serialNumber: serialNumber.describe("Serial number of the certificate (hex)."),
  notBefore: rfc3339.describe("Start of its validity."),
  notAfter: rfc3339.describe("Its expiry."),
  fingerprintSHA256: fingerprint.optional().describe("SHA-256 fingerprint of its DER encoding."),
  state: z.enum(historyStates).describe("issued (the current one), superseded (replaced by a renewal), revoked or expired."),
  revocationReason: revocationReasonSchema.optional().describe("RFC 5280 reason it was revoked with; only when revoked."),
  revokedAt: rfc3339.optional().describe("When it was revoked; only when revoked."),
  issuedAt: rfc3339.optional().describe("When certwright stored this certificate; counts towards policy.maxIssuancesPerHour."),
});
export type HistoryEntry = z.output<typeof historyEntrySchema>;

export const MAX_HISTORY = 20;

export const certificateStatusSchema = z.object({
  conditions: conditionsSchema.optional(),
  observedGeneration: z.int().min(0).optional().describe("metadata.generation of the spec this status describes."),
  notBefore: rfc3339.optional().describe("Start of validity of the current certificate."),
  notAfter: rfc3339.optional().describe("Expiry of the current certificate."),
  renewalTime: rfc3339
    .optional()
    .describe(
      "When the controller renews the current certificate: notAfter minus renewBefore, never earlier than a third into its lifetime (two thirds when renewBefore is not shorter than the lifetime).",
    ),
  serialNumber: serialNumber.optional().describe("Serial number (hex) of the current certificate."),
  fingerprintSHA256: fingerprint.optional().describe("SHA-256 fingerprint of the current certificate's DER encoding."),
  revision: z.int().min(0).optional().describe("Counts issuances; 1 for the first certificate."),
  failedIssuanceAttempts: z
    .int()
    .min(0)
    .optional()
    .describe("Failed attempts in a row that are retried with back-off; cleared by a success or a refusal (which waits for a change instead)."),
  lastFailureTime: rfc3339.optional().describe("When the last issuance attempt failed."),
  nextRetryTime: rfc3339.optional().describe("When the next attempt after a failure is due (exponential back-off)."),
  lastRenewalRequestId: z.string().max(128).optional().describe("The last spec.renewalRequest.id acted on."),
  refusedRequest: refusedRequestSchema.optional(),
  history: z
    .array(historyEntrySchema)
    .max(MAX_HISTORY)
    .optional()
    .describe("Newest first; the inventory of certificates issued for this resource."),
});
export type CertificateStatus = z.output<typeof certificateStatusSchema>;
