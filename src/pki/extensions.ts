// Key usage and extended key usage: names <-> the x509 extension encodings.
import type { ExtKeyUsageName, KeyUsageName } from "./usages.ts";
import { x509 } from "./x509.ts";

// Bit values as @peculiar/x509's KeyUsageFlags; all nine so foreign certificates read fully.
const KEY_USAGE_BITS: readonly (readonly [string, number])[] = [
  ["digitalSignature", 1],
  ["nonRepudiation", 2],
  ["keyEncipherment", 4],
  ["dataEncipherment", 8],
  ["keyAgreement", 16],
  ["keyCertSign", 32],
  ["cRLSign", 64],
  ["encipherOnly", 128],
  ["decipherOnly", 256],
];

const EKU_OIDS: Readonly<Record<string, string>> = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  codeSigning: "1.3.6.1.5.5.7.3.3",
  emailProtection: "1.3.6.1.5.5.7.3.4",
  timeStamping: "1.3.6.1.5.5.7.3.8",
  OCSPSigning: "1.3.6.1.5.5.7.3.9",
};

/** Key usage is always critical: RFC 5280 says it SHOULD be, and relying parties expect it. */
export function keyUsageExtension(names: readonly KeyUsageName[]): x509.KeyUsagesExtension {
  let flags = 0;
  for (const name of names) {
    const bit = KEY_USAGE_BITS.find(([n]) => n === name)?.[1];
    if (bit === undefined) throw new Error(`unknown key usage ${JSON.stringify(name)}`);
    flags |= bit;
  }
  return new x509.KeyUsagesExtension(flags, true);
}

export function extKeyUsageExtension(names: readonly ExtKeyUsageName[]): x509.ExtendedKeyUsageExtension {
  const oids = names.map((name) => {
    const oid = EKU_OIDS[name];
    if (!oid) throw new Error(`unknown extended key usage ${JSON.stringify(name)}`);
    return oid;
  });
  return new x509.ExtendedKeyUsageExtension(oids, false);
}

/** Names of the key usage bits set, in bit order. */
export function keyUsageNames(flags: number): string[] {
  return KEY_USAGE_BITS.filter(([, bit]) => (flags & bit) !== 0).map(([name]) => name);
}

/** Names of extended key usages; unknown purposes are shown as their OID. */
export function extKeyUsageNames(oids: readonly string[]): string[] {
  return oids.map((oid) => Object.keys(EKU_OIDS).find((name) => EKU_OIDS[name] === oid) ?? oid);
}
