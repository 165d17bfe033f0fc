// The three CustomResourceDefinitions as plain objects, built from the zod schemas.
import type { z } from "zod";
import { certificateSpecSchema, certificateStatusSchema } from "../certificate.ts";
import { clusterRAProfileSpecSchema, raProfileSpecSchema, raProfileStatusSchema } from "../ra-profile.ts";
import {
  CATEGORY,
  CERTIFICATE,
  CLUSTER_RA_PROFILE,
  GROUP,
  RA_PROFILE,
  VERSION,
  type ResourceNames,
} from "../resources.ts";
import { toStructuralSchema, type SchemaNode } from "./structural-schema.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[]; categories: string[] };
    scope: "Namespaced" | "Cluster";
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: SchemaNode };
    }[];
  };
}

interface KindDefinition {
  names: ResourceNames;
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  columns: PrinterColumn[];
}

const ready: PrinterColumn = { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };
// In `-o wide` only (priority 1), like cert-manager's Status column: why it is (not) Ready.
const readyMessage: PrinterColumn = { name: "Message", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message', priority: 1 };

const profileColumns: PrinterColumn[] = [
  ready,
  { name: "Authority", type: "string", jsonPath: ".spec.authority.type" },
  { name: "Enabled", type: "boolean", jsonPath: ".spec.enabled" },
  readyMessage,
  age,
];

const profileDescription =
  "defines how certificates are issued: which CA (authority), the defaults it fills in, the policy it enforces " +
  "and what happens to superseded certificates.";

export const kindDefinitions: readonly KindDefinition[] = [
  {
    names: CERTIFICATE,
    description:
      "Certificate asks an RA profile for an X.509 certificate, stores it in a Secret and keeps it renewed.",
    spec: certificateSpecSchema,
    status: certificateStatusSchema,
    columns: [
      ready,
      { name: "Secret", type: "string", jsonPath: ".spec.secretName" },
      { name: "Type", type: "string", jsonPath: ".spec.type" },
      { name: "Profile", type: "string", jsonPath: ".spec.raProfileRef.name" },
      // "string", not "date": kubectl renders a future date column as "<invalid>".
      { name: "Expires", type: "string", jsonPath: ".status.notAfter" },
      { name: "State", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].reason', priority: 1 },
      readyMessage,
      age,
    ],
  },
  {
    names: RA_PROFILE,
    description: `RAProfile ${profileDescription}`,
    spec: raProfileSpecSchema,
    status: raProfileStatusSchema,
    columns: profileColumns,
  },
  {
    names: CLUSTER_RA_PROFILE,
    description: `ClusterRAProfile is a cluster-wide RAProfile; namespaceSelector says which namespaces may use it. It ${profileDescription}`,
    spec: clusterRAProfileSpecSchema,
    status: raProfileStatusSchema,
    columns: profileColumns,
  },
];

const SPEC_DESCRIPTION = "What is wanted; written by you.";
const STATUS_DESCRIPTION = "What the controller observed and did; written only by certwright.";

function rootSchema(def: KindDefinition): SchemaNode {
  return {
    description: def.description,
    type: "object",
    properties: {
      apiVersion: { description: "APIVersion of this object.", type: "string" },
      kind: { description: "Kind of this object.", type: "string" },
      metadata: { type: "object" },
      spec: { description: SPEC_DESCRIPTION, ...toStructuralSchema(def.spec) },
      status: { description: STATUS_DESCRIPTION, ...toStructuralSchema(def.status) },
    },
    required: ["spec"],
  };
}

export function buildCrd(def: KindDefinition): CustomResourceDefinition {
  const { kind, listKind, plural, singular, shortNames, scope } = def.names;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: { kind, listKind, plural, singular, shortNames: [...shortNames], categories: [CATEGORY] },
      scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.columns,
          schema: { openAPIV3Schema: rootSchema(def) },
        },
      ],
    },
  };
}

export function buildCrds(): CustomResourceDefinition[] {
  return kindDefinitions.map(buildCrd);
}

/** kubebuilder's naming: crds/<group>_<plural>.yaml. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}
