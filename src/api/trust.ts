// spec.trust of RAProfile and ClusterRAProfile: publish the profile's CA chain (and optionally
// its CRL) as a ConfigMap into namespaces, for servers that verify the certificates it issues.
import { z } from "zod";
import { objectName } from "./common.ts";
import { labelSelectorSchema } from "./label-selector.ts";

/** Label a target Namespace carries to accept bundles from RAProfiles in <namespace>: trust.certwright.dev/<namespace>=true. */
export const TRUST_ACCEPT_LABEL_PREFIX = "trust.certwright.dev/";

export const trustDistributionSchema = z
  .object({
    configMapName: objectName.describe("Name of the ConfigMap written in each target namespace (keys ca.crt and, with includeCRL, ca.crl)."),
    includeCRL: z
      .boolean()
      .default(false)
      .describe("Also publish the profile's current CRL (PEM, key ca.crl), re-published each time the CRL is re-signed."),
    namespaceSelector: labelSelectorSchema
      .optional()
      .describe(
        "Where to publish. ClusterRAProfile: unset means the namespaces its namespaceSelector admits (all when that is unset too). " +
          "RAProfile: always its own namespace; other namespaces the selector picks only when they carry the label trust.certwright.dev/<profile namespace>=true.",
      ),
  })
  .describe("Publish the CA chain as a ConfigMap (trust bundle) that servers mount to verify client certificates; removed when the profile goes.");
export type TrustDistribution = z.output<typeof trustDistributionSchema>;
