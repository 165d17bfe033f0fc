// The three kinds as whole objects: names for the API server, TypeScript types, and
// parse helpers that validate (and default) what comes from the cluster or a file.
import { z } from "zod";
import { certificateSpecSchema, certificateStatusSchema } from "./certificate.ts";
import { clusterRAProfileSpecSchema, raProfileSpecSchema, raProfileStatusSchema } from "./ra-profile.ts";

export const GROUP = "certwright.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}` as const;
export const CATEGORY = "certwright";

export interface ResourceNames {
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly scope: "Namespaced" | "Cluster";
}

export const CERTIFICATE = {
  kind: "Certificate",
  listKind: "CertificateList",
  plural: "certificates",
  singular: "certificate",
  shortNames: ["cwc"],
  scope: "Namespaced",
} as const satisfies ResourceNames;

export const RA_PROFILE = {
  kind: "RAProfile",
  listKind: "RAProfileList",
  plural: "raprofiles",
  singular: "raprofile",
  shortNames: ["rap"],
  scope: "Namespaced",
} as const satisfies ResourceNames;

export const CLUSTER_RA_PROFILE = {
  kind: "ClusterRAProfile",
  listKind: "ClusterRAProfileList",
  plural: "clusterraprofiles",
  singular: "clusterraprofile",
  shortNames: ["crp"],
  scope: "Cluster",
} as const satisfies ResourceNames;

/** The part of metav1.ObjectMeta we use; other fields pass through untouched. */
export const objectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z
    .array(
      z.looseObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
        blockOwnerDeletion: z.boolean().optional(),
      }),
    )
    .optional(),
});

function resourceSchema<K extends string, Spec extends z.ZodType, Status extends z.ZodType>(
  kind: K,
  spec: Spec,
  status: Status,
) {
  return z.object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: objectMetaSchema,
    spec,
    status: status.optional(),
  });
}

export const certificateSchema = resourceSchema(CERTIFICATE.kind, certificateSpecSchema, certificateStatusSchema);
export const raProfileSchema = resourceSchema(RA_PROFILE.kind, raProfileSpecSchema, raProfileStatusSchema);
export const clusterRAProfileSchema = resourceSchema(
  CLUSTER_RA_PROFILE.kind,
  clusterRAProfileSpecSchema,
  raProfileStatusSchema,
);

export type Certificate = z.output<typeof certificateSchema>;
export type RAProfile = z.output<typeof raProfileSchema>;
export type ClusterRAProfile = z.output<typeof clusterRAProfileSchema>;
/** What a user writes: defaults not yet applied. */

/** A resource that failed validation; `message` lists every problem as "path: message". */
export class InvalidResourceError extends Error {
  override readonly name = "InvalidResourceError";
  readonly issues: readonly z.core.$ZodIssue[];

  constructor(what: string, error: z.ZodError) {
    super(`invalid ${what}: ${formatIssues(error)}`);
    this.issues = error.issues;
  }
}

/** One line per issue, "spec.privateKey.size: RSA key size must be ...", joined by "; ". */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = z.core.toDotPath(i.path);
      return path === "" ? i.message : `${path}: ${i.message}`;
    })
    .join("; ");
}

function describe(obj: unknown, kind: string): string {
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof meta?.name === "string" ? meta.name : "";
  const ns = typeof meta?.namespace === "string" ? `${meta.namespace}/` : "";
  return name === "" ? kind : `${kind} ${ns}${name}`;
}

function parser<S extends z.ZodType>(schema: S, kind: string): (obj: unknown) => z.output<S> {
  return (obj) => {
    const result = schema.safeParse(obj);
    if (!result.success) throw new InvalidResourceError(describe(obj, kind), result.error);
    return result.data;
  };
}

export const parseCertificate: (obj: unknown) => Certificate = parser(certificateSchema, CERTIFICATE.kind);
export const parseRAProfile: (obj: unknown) => RAProfile = parser(raProfileSchema, RA_PROFILE.kind);
export const parseClusterRAProfile: (obj: unknown) => ClusterRAProfile = parser(
  clusterRAProfileSchema,
  CLUSTER_RA_PROFILE.kind,
);
