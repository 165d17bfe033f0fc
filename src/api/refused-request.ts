// status.refusedRequest of a Certificate: an authority's refusal that is asked again later (not a
// CA-validity refusal), remembered with what was asked, so no other reconcile (a watch event, a
// forced reconcile, an operator restart) sends the same request before its recheck time.
import { z } from "zod";
import { rfc3339 } from "./conditions.ts";

export const refusedRequestSchema = z
  .object({
    time: rfc3339.describe("When the authority refused the request."),
    retryTime: rfc3339.describe("Not before this time is the same request sent to the authority again (one hour after the refusal)."),
    generation: z.int().min(0).describe("metadata.generation of the Certificate that was refused; a change of spec sends a new request at once."),
    profileGeneration: z.int().min(0).describe("metadata.generation of the RA profile it was refused under; a change of the profile sends a new request at once."),
    requestDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe("SHA-256 (hex) of what was asked: type, subject, names, key, lifetime and an external CSR's key; another request (e.g. a new CSR) is sent at once."),
  })
  .describe(
    "The authority's last refusal that is asked again later (credentials, its own policy, a rejected identifier). Until retryTime nothing is sent for the same request, unless the spec, the profile or the request changes, or the profile's authority turned Ready since.",
  );
export type RefusedRequest = z.output<typeof refusedRequestSchema>;
