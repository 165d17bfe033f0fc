// Turns CZERTAINLY's certificateData into what the Secret holds. Connectors differ in what they
// put there: base64 DER of the leaf, a PEM text, or base64 of a PEM text (sometimes a chain).
import { pemEncode } from "../../pki/pem.ts";
import { splitPemBundle } from "../../pki/inspect.ts";
import { splitChain } from "../shared/chain.ts";
import { ConnectorError, type IssuedCertificate } from "../connector.ts";

const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/**
 * The leaf, intermediates and (when the chain ends in a self-signed root) trust anchor. A leaf
 * sent alone is completed with the authority's chain from caCertificates, when it has one.
 */
export async function issuedFromCertificateData(data: unknown, authorityChainPem = ""): Promise<IssuedCertificate> {
  const pem = toPem(data);
  if (!pem) throw new ConnectorError("InvalidResponse", "the connector returned no usable certificateData", true);
  const alone = splitPemBundle(pem).length === 1;
  // Without any chain caPem stays "": the connector names no trust anchor, so ca.crt is left empty.
  return splitChain(alone && authorityChainPem ? pem + authorityChainPem : pem, "the connector");
}

/** Most certificates taken from a caCertificates answer (a CA chain is 2 to 4 long). */
const MAX_CA_CERTIFICATES = 8;

/** CaCertificatesResponseDto {certificates: [{certificateData}]} as one PEM chain, issuing CA first. */
export function caChainFromResponse(body: unknown): string {
  const list = body && typeof body === "object" ? (body as { certificates?: unknown }).certificates : undefined;
  if (!Array.isArray(list) || list.length > MAX_CA_CERTIFICATES) {
    throw new ConnectorError("InvalidResponse", `caCertificates: the connector answered without a list of at most ${MAX_CA_CERTIFICATES} certificates`, true);
  }
  return list
    .map((c, i) => {
      const pem = toPem(c && typeof c === "object" ? (c as { certificateData?: unknown }).certificateData : undefined);
      if (!pem) throw new ConnectorError("InvalidResponse", `caCertificates: certificate ${i + 1} of ${list.length} is unreadable`, true);
      return pem;
    })
    .join("");
}

function toPem(data: unknown): string | undefined {
  if (typeof data !== "string" || data.trim() === "") return undefined;
  if (data.includes("-----BEGIN")) return certificatesOf(data);
  if (!BASE64.test(data)) return undefined;
  const bytes = Buffer.from(data.replace(/\s+/g, ""), "base64");
  const text = bytes.toString("latin1");
  if (text.includes("-----BEGIN")) return certificatesOf(text);
  // DER starts with a SEQUENCE tag; anything else is not a certificate.
  return bytes[0] === 0x30 ? pemEncode(bytes, "CERTIFICATE") : undefined;
}

function certificatesOf(text: string): string | undefined {
  try {
    const certs = splitPemBundle(text);
    return certs.length > 0 ? certs.join("") : undefined;
  } catch {
    return undefined;
  }
}
