// PEM encode/decode (RFC 7468). Kept tiny and strict so callers get a clear error for input
// that is not what they expected instead of a confusing ASN.1 failure later.

export interface PemBlock {
  label: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** All PEM blocks in the text, in order. Text between blocks is ignored, as OpenSSL does. */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const label = match[1] ?? "";
    const body = (match[2] ?? "").replace(/\s+/g, "");
    // Encapsulated headers (RFC 1421 "Proc-Type:") mean legacy encrypted PEM, which we do not read.
    if (!BASE64.test(body) || body.length === 0) throw new Error(`malformed PEM block "${label}"`);
    blocks.push({ label, der: Buffer.from(body, "base64") });
  }
  return blocks;
}

/** The DER of the first block, which must carry one of the given labels. */
export function pemDecode(text: string, labels: readonly string[]): PemBlock {
  const first = pemBlocks(text)[0];
  if (!first) throw new Error(`not PEM: expected ${labels.join(" or ")}`);
  if (!labels.includes(first.label)) throw new Error(`unexpected PEM label "${first.label}", expected ${labels.join(" or ")}`);
  return first;
}

export function pemEncode(der: Uint8Array | ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
