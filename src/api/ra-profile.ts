// RAProfile / ClusterRAProfile: how to reach a CA (authority), the defaults it fills in,
// the policy it enforces, and what happens to superseded certificates.
import { z } from "zod";
import { acmeSolversSchema, externalAccountBindingSchema } from "./acme-solvers.ts";
import { withRules, type CelRule } from "./cel-rules.ts";
import { stepcaAuthority } from "./authority-stepca.ts";
import { httpUrl, objectName, secretKey, secretKeySelector } from "./common.ts";
import { MAX_HISTORY } from "./certificate.ts";
import { conditionsSchema, rfc3339 } from "./conditions.ts";
import { clientCertificateRef, requestAttributesSchema } from "./czertainly-attributes.ts";
import { durationString, isDuration, parseDuration } from "./duration.ts";
import { isCIDR } from "./ip-address.ts";
import { labelSelectorSchema } from "./label-selector.ts";
import { trustDistributionSchema } from "./trust.ts";
import {
  certificateTypeSchema,
  keyAlgorithmSchema,
  keySizeRules,
  keySizeSchema,
  subjectAttributeSchema,
  ECDSA_KEY_SIZES,
  RSA_KEY_SIZES,
} from "./x509.ts";

// Each authority type is one member named after its `type`. Add stepca and others
// as further members: the CRD generator folds the union into one object with a
// CEL rule "exactly the member named by type is set".
export const localAuthoritySchema = z.object({
  type: z.literal("local").describe("Which CA connector; the member of the same name configures it."),
  local: z
    .object({
      caSecretName: objectName.describe("Secret holding the CA certificate and key (tls.crt, tls.key)."),
      generate: z.boolean().default(true).describe("Create a self-signed CA in that Secret when missing."),
      commonName: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .describe("CN of a generated CA (default \"certwright local CA\"); unused when the Secret exists."),
      organization: z.string().min(1).max(64).optional().describe("O of a generated CA; unused when the Secret exists."),
      crlDistributionPoints: z
        .array(httpUrl)
        .max(5)
        .optional()
        .describe("CRL distribution point URLs written into every certificate this CA signs."),
      ocspServers: z
        .array(httpUrl)
        .max(5)
        .optional()
        .describe("OCSP responder URLs written into issued certificates (Authority Information Access), e.g. the operator's public listener: http://<service>:9403/ocsp/<namespace>/<profile>."),
      ocspSigner: z
        .enum(["Delegated", "CA"])
        .default("Delegated")
        .describe("Who signs OCSP responses: a short-lived delegated responder certificate (id-kp-OCSPSigning, ocsp-nocheck) the operator issues and rotates in Secret <caSecretName>-ocsp, or the CA key itself."),
    })
    .describe("An in-cluster CA whose key pair lives in a Secret."),
});

const MAX_TIMEOUT_MS = 3_600_000;
const timeout = withRules(durationString, [
  {
    rule: "duration(self) > duration('0s') && duration(self) <= duration('1h')",
    message: "must be more than 0s and at most 1h",
    holds: (s) => !isDuration(s) || (parseDuration(s) > 0 && parseDuration(s) <= MAX_TIMEOUT_MS),
  },
]);

/** Per-request HTTP timeouts of the connectors that call a remote CA (defaults in src/connectors/shared/http.ts). */
export const httpTimeoutsSchema = z
  .object({
    connect: timeout.optional().describe("Time to open the TCP (and TLS) connection to the CA (default 10s)."),
    headers: timeout
      .optional()
      .describe("Time from sending a request until the CA's response headers arrive (default 30s); raise it for a CA that signs slowly."),
    body: timeout.optional().describe("Time to receive the whole response body once the headers are in (default 30s)."),
  })
  .describe("Per-request timeouts; a request that runs out fails with reason CATimeout and is retried with back-off.");

export const acmeAuthoritySchema = z.object({
  type: z.literal("acme").describe("Which CA connector; the member of the same name configures it."),
  acme: z
    .object({
      server: httpUrl.describe("Directory URL of the ACME server (RFC 8555)."),
      email: z.string().min(3).max(253).optional().describe("Contact address registered with the ACME account."),
      accountKeySecretRef: z
        .object({
          name: objectName.describe("Secret holding the ACME account key; created with a new key when missing."),
          key: secretKey.default("tls.key").describe("Key in the Secret's data that holds the PEM private key."),
        })
        .describe("Where the ACME account key lives."),
      caBundleSecretRef: secretKeySelector
        .optional()
        .describe("PEM bundle to trust for the server's HTTPS; unset means the system roots."),
      timeouts: httpTimeoutsSchema.optional(),
      solvers: acmeSolversSchema.optional(),
      externalAccountBinding: externalAccountBindingSchema.optional(),
    })
    .describe("An ACME (RFC 8555) server such as Let's Encrypt, reached over HTTPS."),
});

export const manualAuthoritySchema = z.object({
  type: z.literal("manual").describe("Which CA connector; the member of the same name configures it."),
  manual: z
    .object({
      instructions: z
        .string()
        .max(1024)
        .optional()
        .describe("Shown with the published CSR: where to upload it, e.g. the ecosystem portal's URL."),
    })
    .describe("A person takes the published CSR to a CA portal (Raidiam Connect, Thredd) and hands the certificate back."),
});

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const httpAuthoritySchema = z.object({
  type: z.literal("http").describe("Which CA connector; the member of the same name configures it."),
  http: z
    .object({
      url: httpUrl.describe("Base URL of the CZERTAINLY connector; /v2/authorityProvider/... is appended."),
      authorityUuid: z
        .string()
        .regex(UUID, { message: "must be a UUID" })
        .describe("UUID of the authority instance in the connector that signs the certificates."),
      raProfileAttributes: requestAttributesSchema(
        "The connector's RA profile attributes, sent with every request (issue, renew, revoke, caCertificates), each typed by its contentType.",
      ),
      issueAttributes: requestAttributesSchema("Attributes sent as `attributes` with issue requests (the connector's issue attributes)."),
      revokeAttributes: requestAttributesSchema("Attributes sent as `attributes` with revoke requests (the connector's revoke attributes)."),
      tokenSecretRef: secretKeySelector
        .optional()
        .describe("Secret key holding a bearer token for the Authorization header; unset sends none."),
      caBundleSecretRef: secretKeySelector
        .optional()
        .describe("PEM bundle to trust for the connector's HTTPS; unset means the system roots."),
      clientCertificateSecretRef: clientCertificateRef
        .optional()
        .describe("A kubernetes.io/tls Secret (tls.crt, tls.key) whose certificate authenticates the operator to the connector (mTLS)."),
      timeouts: httpTimeoutsSchema.optional(),
    })
    .describe("A CZERTAINLY v2 authority-provider connector reached over HTTP(S): any CA it fronts signs."),
});

export const stepcaAuthoritySchema = stepcaAuthority(httpTimeoutsSchema);

export const authoritySchema = z.discriminatedUnion("type", [
  localAuthoritySchema,
  acmeAuthoritySchema,
  manualAuthoritySchema,
  httpAuthoritySchema,
  stepcaAuthoritySchema,
]);
export type Authority = z.output<typeof authoritySchema>;
export type AuthorityType = Authority["type"];
export const authorityTypes = authoritySchema.options.map((o) => o.shape.type.value);

const profileKeySchema = withRules(
  z.object({
    algorithm: keyAlgorithmSchema.describe("RSA, ECDSA or Ed25519."),
    size: keySizeSchema
      .optional()
      .describe("Bits: RSA 2048/3072/4096, ECDSA 256/384; unset for Ed25519. Unset: 2048 for RSA, 256 for ECDSA."),
  }),
  keySizeRules,
);

export const profileDefaultsSchema = z.object({
  duration: durationString.optional().describe("Lifetime when a Certificate sets none (built-in default 8400h)."),
  renewBefore: durationString.optional().describe("Renewal lead time when a Certificate sets none (built-in 1440h)."),
  expiryNotice: durationString
    .optional()
    .describe("Warn (event, ExpiryNotice condition, metric) this long before a certificate expires; unset: 1440h, or a third of the certificate's lifetime when that is shorter; also sizes the CA's notice window."),
  privateKey: profileKeySchema
    .optional()
    .describe("Key for Certificates that set no privateKey (else RSA 2048)."),
});

const keyAlgorithmPolicySchema = withRules(
  z.object({
    algorithm: keyAlgorithmSchema.describe("An allowed key algorithm."),
    sizes: z.array(keySizeSchema).max(8).optional().describe("Allowed sizes in bits for it; unset: every valid size."),
  }),
  [
    {
      rule: `self.algorithm != 'RSA' || !has(self.sizes) || self.sizes.all(s, s in [${RSA_KEY_SIZES.join(", ")}])`,
      message: `RSA sizes must be among ${RSA_KEY_SIZES.join(", ")}`,
      fieldPath: ".sizes",
      holds: (k) => k.algorithm !== "RSA" || (k.sizes ?? []).every((s) => (RSA_KEY_SIZES as readonly number[]).includes(s)),
    },
    {
      rule: `self.algorithm != 'ECDSA' || !has(self.sizes) || self.sizes.all(s, s in [${ECDSA_KEY_SIZES.join(", ")}])`,
      message: `ECDSA sizes must be among ${ECDSA_KEY_SIZES.join(", ")}`,
      fieldPath: ".sizes",
      holds: (k) =>
        k.algorithm !== "ECDSA" || (k.sizes ?? []).every((s) => (ECDSA_KEY_SIZES as readonly number[]).includes(s)),
    },
    {
      rule: "self.algorithm != 'Ed25519' || !has(self.sizes)",
      message: "Ed25519 has no sizes",
      fieldPath: ".sizes",
      holds: (k) => k.algorithm !== "Ed25519" || k.sizes === undefined,
    },
  ],
);

const glob = (max: number) => z.string().min(1).max(max);
const cidr = withRules(z.string().max(49), [
  { rule: "isCIDR(self)", message: "must be a CIDR such as 10.0.0.0/8 or fd00::/8", holds: isCIDR },
]);

const policyObject = z.object({
  allowedTypes: z
    .array(certificateTypeSchema)
    .max(8)
    .optional()
    .describe("Certificate types that may be issued; unset: all. Others are refused with TypeNotAllowed."),
  keyAlgorithms: z
    .array(keyAlgorithmPolicySchema)
    .max(8)
    .optional()
    .describe("Allowed key algorithms and sizes; unset: all. Others are refused (KeyAlgorithmNotAllowed, KeySizeNotAllowed)."),
  maxDuration: durationString
    .optional()
    .describe("Longest lifetime a Certificate may ask for; a longer one is refused (DurationTooLong), not shortened."),
  minDuration: durationString
    .optional()
    .describe("Shortest lifetime a Certificate may ask for (default 1h); a shorter one is refused (DurationTooShort)."),
  allowedSubjectAttributes: z
    .array(subjectAttributeSchema)
    .max(16)
    .optional()
    .describe("Subject attributes a Certificate may set; unset: all. Others are refused (SubjectAttributeNotAllowed)."),
  requiredSubjectAttributes: z
    .array(subjectAttributeSchema)
    .max(16)
    .optional()
    .describe("Subject attributes a Certificate must set; a missing one is refused (SubjectAttributeMissing)."),
  dnsNames: z
    .array(glob(253))
    .max(64)
    .optional()
    .describe("Allowed DNS names; '*' matches within one label, never across a dot; '?' one character."),
  ipAddresses: z.array(cidr).max(64).optional().describe("Allowed IP ranges (CIDR)."),
  uris: z.array(glob(2048)).max(64).optional().describe("Allowed URIs; '*' never crosses a '/'."),
  emailAddresses: z.array(glob(253)).max(64).optional().describe("Allowed email addresses; '*' never crosses '@'."),
  allowExternalCSR: z.boolean().default(false).describe("Accept Certificates that bring their own CSR."),
  maxIssuancesPerHour: z
    .int()
    .min(1)
    .max(MAX_HISTORY)
    .optional()
    .describe("Most issuances one Certificate may cause in any rolling hour (default 10); beyond it, IssuanceRateLimited."),
});

const atMost = (a: string | undefined, b: string | undefined, strict = false): boolean =>
  a === undefined || b === undefined || (strict ? parseDuration(a) < parseDuration(b) : parseDuration(a) <= parseDuration(b));

export const policySchema = withRules(policyObject, [
  {
    rule: "!has(self.minDuration) || !has(self.maxDuration) || duration(self.minDuration) <= duration(self.maxDuration)",
    message: "minDuration must not exceed maxDuration",
    fieldPath: ".minDuration",
    holds: (p) => atMost(p.minDuration, p.maxDuration),
  },
  {
    rule:
      "!has(self.requiredSubjectAttributes) || !has(self.allowedSubjectAttributes) || " +
      "self.requiredSubjectAttributes.all(a, a in self.allowedSubjectAttributes)",
    message: "every required subject attribute must also be allowed",
    fieldPath: ".requiredSubjectAttributes",
    holds: (p) =>
      p.requiredSubjectAttributes === undefined ||
      p.allowedSubjectAttributes === undefined ||
      p.requiredSubjectAttributes.every((a) => p.allowedSubjectAttributes!.includes(a)),
  },
]);
export type ProfilePolicy = z.output<typeof policySchema>;

const revocationModes = z.enum(["Retain", "Revoke"]);

const profileSpecShape = {
  enabled: z.boolean().default(true).describe("A disabled profile issues nothing new."),
  authority: authoritySchema.describe("Which CA connector to use and how to reach it."),
  defaults: profileDefaultsSchema.optional().describe("Values for Certificates that leave the field unset."),
  policy: policySchema
    .optional()
    .describe(
      "What Certificates may ask for; unset: no limits. Within it an unset list does not limit, an empty list allows nothing.",
    ),
  revocation: z
    .object({
      onSupersede: revocationModes.default("Retain").describe("What to do with the old certificate after renewal."),
      onDelete: revocationModes.default("Retain").describe("What to do with the certificate when its Certificate goes."),
    })
    .prefault({})
    .describe("What happens to certificates that are replaced or whose Certificate is deleted."),
  trust: trustDistributionSchema.optional(),
};

interface ProfileSpecForRules {
  defaults?: { duration?: string | undefined; renewBefore?: string | undefined } | undefined;
  policy?: { maxDuration?: string | undefined; minDuration?: string | undefined } | undefined;
}

/** `has(self.a) && has(self.a.b)` for every prefix of the given paths, each once. */
const celHas = (...paths: string[]): string => {
  const prefixes = paths.flatMap((p) => p.split(".").map((_, i, parts) => parts.slice(0, i + 1).join(".")));
  return [...new Set(prefixes)].map((p) => `has(self.${p})`).join(" && ");
};

export const profileSpecRules: CelRule<ProfileSpecForRules>[] = [
  {
    rule: `!(${celHas("defaults.duration", "policy.maxDuration")}) || duration(self.defaults.duration) <= duration(self.policy.maxDuration)`,
    message: "defaults.duration must not exceed policy.maxDuration",
    fieldPath: ".defaults.duration",
    holds: (s) => atMost(s.defaults?.duration, s.policy?.maxDuration),
  },
  {
    rule: `!(${celHas("defaults.duration", "policy.minDuration")}) || duration(self.policy.minDuration) <= duration(self.defaults.duration)`,
    message: "defaults.duration must not be below policy.minDuration",
    fieldPath: ".defaults.duration",
    holds: (s) => atMost(s.policy?.minDuration, s.defaults?.duration),
  },
  {
    rule: `!(${celHas("defaults.duration", "defaults.renewBefore")}) || duration(self.defaults.renewBefore) < duration(self.defaults.duration)`,
    message: "defaults.renewBefore must be shorter than defaults.duration",
    fieldPath: ".defaults.renewBefore",
    holds: (s) => atMost(s.defaults?.renewBefore, s.defaults?.duration, true),
  },
];

export const raProfileSpecSchema = withRules(z.object(profileSpecShape), profileSpecRules);
export type RAProfileSpec = z.output<typeof raProfileSpecSchema>;
export type RAProfileSpecInput = z.input<typeof raProfileSpecSchema>;

export const clusterRAProfileSpecSchema = withRules(
  z.object({
    ...profileSpecShape,
    namespaceSelector: labelSelectorSchema
      .optional()
      .describe("Namespaces whose Certificates may use this profile; unset means all."),
  }),
  profileSpecRules,
);

export const capabilities = ["issue", "renew", "revoke", "crl"] as const;

export const raProfileStatusSchema = z.object({
  conditions: conditionsSchema.optional(),
  observedGeneration: z.int().min(0).optional().describe("metadata.generation of the spec this status describes."),
  authorityType: z
    .enum(authorityTypes as [AuthorityType, ...AuthorityType[]])
    .optional()
    .describe("spec.authority.type the status was computed for."),
  caCertificate: z.string().max(65536).optional().describe("PEM of the issuing CA chain."),
  caNotBefore: rfc3339.optional().describe("notBefore of the CA certificate: nothing is issued before it."),
  caNotAfter: rfc3339
    .optional()
    .describe("notAfter of the CA certificate: nothing is issued after it, and no certificate may end later."),
  caExpiryNoticeTime: rfc3339
    .optional()
    .describe("Start of the CA's notice window: the longer of defaults.expiryNotice and defaults.duration before caNotAfter."),
  capabilities: z
    .array(z.enum(capabilities))
    .max(8)
    .optional()
    .describe("What the authority's connector can do: issue, renew, revoke, crl."),
  crlNumber: z
    .int()
    .min(0)
    .optional()
    .describe("CRL number of the latest CRL published (ConfigMap <profile>-crl, key ca.crl); only for authorities with the crl capability."),
});
export type RAProfileStatus = z.output<typeof raProfileStatusSchema>;
