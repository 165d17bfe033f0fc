// Hand-off issuance (the manual connector): publish a CSR in the request Secret, then accept the
// certificate a person hands back (judged by hand-off.ts) into the Certificate's Secret.
import { decodeSecretData } from "../../../kube/secret-store.ts";
import { buildCsr } from "../../../pki/csr.ts";
import { inspectCertificate } from "../../../pki/inspect.ts";
import { generatePrivateKey } from "../../../pki/keys.ts";
import type { Decision } from "../decide.ts";
import type { HandOffState } from "../hand-off.ts";
import { buildOutputs } from "../outputs.ts";
import { writeCertificateSecret, writeRequestSecret } from "../secret-writer.ts";
import { completeIssuance, recordFor } from "./complete-issuance.ts";
import { emit, keystorePassword, rememberSecret, type ActContext, type ActResult } from "./context.ts";

export async function publishRequest(x: ActContext, decision: Extract<Decision, { action: "issue" }>, requestName: string, ask: string): Promise<ActResult> {
  const desired = x.world.desired!;
  const data = x.world.data;
  const keyPem = decision.reuseKey && data?.["tls.key"] ? data["tls.key"] : await generatePrivateKey(desired.key);
  const csrPem = await buildCsr({ privateKeyPem: keyPem, subject: desired.subjectSpec, sans: desired.sans });
  x.guard();
  rememberSecret(x, await writeRequestSecret(x.kube, x.cert, requestName, { "tls.csr": csrPem, "tls.key": keyPem }, x.world.request), requestName);
  emit(x, "Normal", "CSRPublished", `${decision.message}: CSR published; ${ask}`);
  return { outcome: { kind: "awaiting", reason: "AwaitingCertificate", message: `CSR published: ${ask}` } };
}

export async function acceptHandBack(x: ActContext, requestName: string, state: Extract<HandOffState, { kind: "handedBack" }>): Promise<ActResult> {
  const { profile, connector, desired, request } = x.world;
  if (!profile || !connector || !desired || !request) throw new Error("hand-back planned without its request");
  const password = await keystorePassword(x).catch(() => undefined);
  const outputs = await buildOutputs({ spec: x.cert.spec, password }, { keyPem: state.keyPem, certificatePem: state.certificatePem, caPem: state.caPem });
  const data = { "tls.crt": state.certificatePem, "tls.key": state.keyPem, "ca.crt": state.caPem, ...outputs };
  const info = inspectCertificate(state.certificatePem);
  const record = recordFor(x, profile, info, desired);
  x.guard();
  rememberSecret(x, await writeCertificateSecret(x.kube, x.cert, data, x.world.secret, record));
  // The request Secret keeps the CSR for the record; the key now lives only in the Certificate's Secret.
  rememberSecret(x, await writeRequestSecret(x.kube, x.cert, requestName, { "tls.csr": decodeSecretData(request)["tls.csr"] ?? "" }, request), requestName);
  return completeIssuance(x, { profile, connector, desired, info, message: `certificate handed back and accepted: serial ${info.serialNumber}`, revision: record.revision });
}
