// One canonical text form per IP address (RFC 5952 for IPv6), so spec and certificate compare equal.
import { isIP } from "node:net";

/** Canonical text of an IP address; throws for anything that is not one. */
export function canonicalIp(ip: string): string {
  // A zone ("fe80::1%eth0") is local to a host and has no place in a certificate.
  const kind = ip.includes("%") ? 0 : isIP(ip);
  if (kind === 4) return ip;
  // WHATWG URL serialises IPv6 per RFC 5952: lowercase, longest zero run compressed.
  if (kind === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  throw new Error(`"${ip}" is not an IP address`);
}

/** canonicalIp, or the text as it is when it is not an address (to show what a foreign certificate holds). */
export function canonicalIpOrSelf(ip: string): string {
  try {
    return canonicalIp(ip);
  } catch {
    return ip;
  }
}
