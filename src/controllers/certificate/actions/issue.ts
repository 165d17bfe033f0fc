// Issue through the authority: key (new or kept), CSR, the CA's signature, a check that the
// certificate carries what was judged, then one Secret write (data and its record together).
import { ConnectorError } from "../../../connectors/connector.ts";
import { isAlreadyExists } from "../../../kube/errors.ts";
import { ISSUED_CERTIFICATE_MISMATCH, issuedDifferences } from "../../../pki/issued-differences.ts";
import type { Decision } from "../decide.ts";
import { issueCertificate } from "../issue.ts";
import { buildOutputs, OutputError } from "../outputs.ts";
import { AUTHORITY_REFUSAL_RECHECK_MS, authorityFailed } from "../plan.ts";
import { requestInputs, type RequestInputs } from "../refused-request.ts";
import { writeCertificateSecret } from "../secret-writer.ts";
import { completeIssuance, recordFor } from "./complete-issuance.ts";
import { keystorePassword, rememberSecret, type ActContext, type ActResult } from "./context.ts";
import { authorityDown, refused } from "./outcomes.ts";

export async function issue(x: ActContext, decision: Extract<Decision, { action: "issue" }>): Promise<ActResult> {
  const { profile, connector, desired, data, secret } = x.world;
  if (!profile || !connector || !desired) throw new Error("issue planned without a profile");
  let password: string | undefined;
  try {
    password = await keystorePassword(x);
  } catch (e) {
    if (e instanceof OutputError) return { outcome: { kind: "failed", reason: e.reason, message: e.message } };
    throw e;
  }
  try {
    x.guard(); // the CA's signature is a side effect the next leader cannot undo
    const out = await issueCertificate({
      desired,
      connector,
      now: x.now(),
      // The key kept and the certificate it renews (rotationPolicy Never): an authority that renews does.
      ...(decision.reuseKey ? { reuseKeyPem: data?.["tls.key"], currentCertificatePem: data?.["tls.crt"] } : {}),
      externalCsrPem: x.world.csrPem,
      signal: x.signal,
    });
    // The certificate must carry what the policy judged (exactly, for an authority that issues
    // exactly what is asked; else every requested name). Otherwise nothing is stored: the same
    // request would get the same answer, so it is sent again only after a change or an hour
    // (the authority's template may be fixed outside the spec), like the authority's refusals.
    const unjudged = refuseUnjudged(x, out.data["tls.crt"]!);
    if (unjudged) return unjudged;
    const outputs = await buildOutputs({ spec: x.cert.spec, password }, { keyPem: out.data["tls.key"], certificatePem: out.data["tls.crt"]!, caPem: out.data["ca.crt"] });
    const record = recordFor(x, profile, out.info, desired);
    x.guard();
    rememberSecret(x, await writeCertificateSecret(x.kube, x.cert, { ...out.data, ...outputs }, secret, record));
    const message = `${decision.message}: issued serial ${out.info.serialNumber}${decision.reuseKey ? " (same key)" : " (new key)"}`;
    return await completeIssuance(x, { profile, connector, desired, info: out.info, message, revision: record.revision });
  } catch (e) {
    return issueFailed(x, e, connector.type);
  }
}

function refuseUnjudged(x: ActContext, certificatePem: string): ActResult | undefined {
  const { profile, connector, desired } = x.world;
  const mismatch = issuedDifferences({ subject: desired!.subjectSpec, sans: desired!.sans }, certificatePem, connector!.exactIssuance ? "exact" : "requestedNamesPresent");
  if (mismatch.length === 0) return undefined;
  x.deps.metrics?.issuanceTotal.inc({ connector: connector!.type, result: "failure" });
  const message = `the ${connector!.type} authority returned a certificate that differs from what ${profile!.kind} ${profile!.name} judged: ${mismatch.join("; ")}`;
  return refused(ISSUED_CERTIFICATE_MISMATCH, message, true, AUTHORITY_REFUSAL_RECHECK_MS, sentRequest(x));
}

/** What this reconcile asked the authority for, for status.refusedRequest. */
function sentRequest(x: ActContext): RequestInputs | undefined {
  const { desired, profile, csr } = x.world;
  return desired && profile ? requestInputs(x.cert.metadata.generation ?? 0, profile.generation, desired, csr) : undefined;
}

function issueFailed(x: ActContext, e: unknown, connectorType: string): ActResult {
  // Another writer created the Secret meanwhile: judge its ownership again on the next look.
  if (isAlreadyExists(e)) return { requeueAfterMs: 0 };
  if (x.signal.aborted) throw e;
  if (!(e instanceof ConnectorError && !e.retryable)) x.deps.metrics?.issuanceTotal.inc({ connector: connectorType, result: "failure" });
  const a = authorityFailed(e, sentRequest(x));
  if (a.do === "refuse") return refused(a.reason, a.message, a.stalled, a.requeueAfterMs, a.recheck);
  return authorityDown(x, e, "IssuanceFailed");
}

