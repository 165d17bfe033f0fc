// Certificate serial numbers as hex text. One normal form everywhere (lowercase, no leading
// zeros) so serials from certificates, CRLs and the API compare as plain strings.
import { randomBytes } from "node:crypto";

/** Normal form of a hex serial: lowercase, no leading zeros. Colons (OpenSSL style) are accepted. */
export function normalizeSerial(hex: string): string {
  const digits = hex.replace(/:/g, "");
  if (!/^[0-9a-fA-F]+$/.test(digits)) throw new Error(`serial number "${hex}" is not hex`);
  const normal = BigInt(`0x${digits}`).toString(16);
  // RFC 5280 4.1.2.2: at most 20 octets.
  if (normal.length > 40) throw new Error(`serial number "${hex}" is longer than 20 octets`);
  return normal;
}

/** Even-length hex of a normalized serial, as DER encoders want whole octets. */
export function serialOctetsHex(hex: string): string {
  const normal = normalizeSerial(hex);
  if (normal === "0") throw new Error("serial number must be positive");
  return normal.length % 2 === 0 ? normal : `0${normal}`;
}

/**
 * A random 16-octet positive serial (CA/B Forum asks for 64+ random bits). The top bit is cleared
 * so it is positive without a pad octet, and the next one set so it never shrinks below 16 octets.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString("hex");
}
