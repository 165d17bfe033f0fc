// Splits a downloaded ACME chain (leaf first) into what the Secret holds. ACME servers usually
// leave out the root, so the trust anchor is the root when sent, else the top of the chain.
import { inspectCertificate, splitPemBundle, verifyIssuedBy } from "../../pki/inspect.ts";
import type { IssuedCertificate } from "../connector.ts";
import { ConnectorError } from "../connector.ts";

export async function splitChain(pem: string): Promise<IssuedCertificate> {
  let certs: string[];
  try {
    certs = splitPemBundle(pem);
  } catch {
    certs = [];
  }
  const [leaf, ...rest] = certs;
  if (!leaf) throw new ConnectorError("InvalidCertificate", "the ACME server returned no certificate", true);
  const top = rest.at(-1);
  if (!top) return { certificatePem: leaf, chainPems: [], caPem: "" }; // nothing to anchor to
  const selfSigned = inspectCertificate(top).isCA && (await verifyIssuedBy(top, top));
  return { certificatePem: leaf, chainPems: selfSigned ? rest.slice(0, -1) : rest, caPem: top };
}
