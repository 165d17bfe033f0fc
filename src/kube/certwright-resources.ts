// REST descriptors for the three certwright kinds, derived from the API names in src/api.
import { CERTIFICATE, CLUSTER_RA_PROFILE, GROUP, RA_PROFILE, VERSION, type ResourceNames } from "../api/resources.ts";
import type { ResourceType } from "./resources.ts";

function resourceType(names: ResourceNames): ResourceType {
  return { group: GROUP, version: VERSION, plural: names.plural, kind: names.kind, namespaced: names.scope === "Namespaced" };
}

export const CERTIFICATES: ResourceType = resourceType(CERTIFICATE);
export const RA_PROFILES: ResourceType = resourceType(RA_PROFILE);
export const CLUSTER_RA_PROFILES: ResourceType = resourceType(CLUSTER_RA_PROFILE);
