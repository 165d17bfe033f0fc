// Splits a downloaded chain (leaf first) into what the Secret holds. ACME servers usually leave
// out the root, so the trust anchor is the root when sent, else the top of the chain. The chain
// comes from the network: it is parsed within the PEM caps, every certificate must be readable,
// and anything else is a retryable InvalidCertificate.
import { inspectCertificate, splitPemBundle, verifyIssuedBy } from "../../pki/inspect.ts";
import { PemError } from "../../pki/pem.ts";
import type { IssuedCertificate } from "../connector.ts";
import { ConnectorError } from "../connector.ts";

export async function splitChain(pem: string, from = "the ACME server"): Promise<IssuedCertificate> {
  const invalid = (what: string) => new ConnectorError("InvalidCertificate", `${from} returned ${what}`, true);
  let certs: string[];
  try {
    certs = splitPemBundle(pem);
  } catch (e) {
    throw invalid(e instanceof PemError ? `an unreadable chain (${e.message})` : "an unreadable chain");
  }
  const [leaf, ...rest] = certs;
  if (!leaf) throw invalid("no certificate");
  let topIsCA = false;
  for (const [i, cert] of certs.entries()) {
    try {
      topIsCA = inspectCertificate(cert).isCA;
    } catch {
      throw invalid(`an unreadable certificate (${i + 1} of ${certs.length})`);
    }
  }
  const top = rest.at(-1);
  if (!top) return { certificatePem: leaf, chainPems: [], caPem: "" }; // nothing to anchor to
  const selfSigned = topIsCA && (await verifyIssuedBy(top, top));
  return { certificatePem: leaf, chainPems: selfSigned ? rest.slice(0, -1) : rest, caPem: top };
}
