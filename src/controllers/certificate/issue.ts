// One issuance: key (new or reused), CSR, signature through the connector, Secret data.
// Key material stays in local variables and the returned Secret data; nothing here logs.
import type { Connector } from "../../connectors/connector.ts";
import { floorToSecond } from "../../pki/ca.ts";
import { buildCsr, parseAndVerifyCsr } from "../../pki/csr.ts";
import { inspectCertificate, splitPemBundle, type CertificateInfo } from "../../pki/inspect.ts";
import { generatePrivateKey, publicKeyPemFromPrivate, spkiSha256 } from "../../pki/keys.ts";
import type { DesiredRequest } from "./desired.ts";

export interface IssueInput {
  desired: DesiredRequest;
  connector: Connector;
  now: Date;
  /** Existing key to keep (rotationPolicy Never), else a new one is generated. */
  reuseKeyPem?: string;
  /** The certificate held now (tls.crt): with reuseKeyPem, an authority that renews renews it. */
  currentCertificatePem?: string | undefined;
  /** External CSR (csrSecretRef): we sign it and store no key. */
  externalCsrPem?: string;
  /** Cancels the connector call (pass the reconcile's signal); it then fails with "Cancelled". */
  signal?: AbortSignal;
}

export interface IssueOutput {
  data: Record<string, string>;
  info: CertificateInfo;
}

export async function issueCertificate(input: IssueInput): Promise<IssueOutput> {
  const { desired, connector } = input;
  let keyPem: string | undefined;
  let csrPem: string;
  let publicKeyPem: string;
  if (input.externalCsrPem) {
    csrPem = input.externalCsrPem;
    publicKeyPem = (await parseAndVerifyCsr(csrPem)).publicKeyPem;
  } else {
    keyPem = input.reuseKeyPem ?? (await generatePrivateKey(desired.key));
    csrPem = await buildCsr({ privateKeyPem: keyPem, subject: desired.subjectSpec, sans: desired.sans });
    publicKeyPem = publicKeyPemFromPrivate(keyPem);
  }
  const notBefore = floorToSecond(input.now);
  const issued = await connector.issue({
    csrPem,
    publicKeyPem,
    type: desired.type,
    subject: desired.subjectSpec,
    sans: desired.sans,
    notBefore,
    notAfter: new Date(notBefore.getTime() + desired.durationMs),
    renewal: renewalOf(input, publicKeyPem),
    signal: input.signal,
  });
  const data: Record<string, string> = {
    "tls.crt": [issued.certificatePem, ...issued.chainPems].map((p) => p.trim() + "\n").join(""),
    "ca.crt": issued.caPem.trim() + "\n",
  };
  if (keyPem) data["tls.key"] = keyPem;
  if (input.externalCsrPem) data["tls.csr"] = input.externalCsrPem;
  return { data, info: inspectCertificate(issued.certificatePem) };
}

/** Same key kept and the current certificate is for it: a renewal, for authorities that renew. */
function renewalOf(input: IssueInput, publicKeyPem: string): { certificatePem: string } | undefined {
  if (!input.reuseKeyPem || !input.currentCertificatePem) return undefined;
  try {
    const leaf = splitPemBundle(input.currentCertificatePem)[0];
    return leaf && inspectCertificate(leaf).spkiSha256 === spkiSha256(publicKeyPem) ? { certificatePem: leaf } : undefined;
  } catch {
    return undefined; // an unreadable certificate is not renewed: a fresh issuance replaces it
  }
}
