// Subject Alternative Names: validation, the extension, and reading it back. IP addresses are
// kept in one canonical text form (RFC 5952 for IPv6) so spec and certificate compare equal.
import { isIP } from "node:net";
import type { SanSpec } from "./subject.ts";
import { x509 } from "./x509.ts";

/** SANs with every list present. */
export type FullSanSpec = Required<SanSpec>;

/** Canonical text of an IP address; throws for anything that is not one. */
export function canonicalIp(ip: string): string {
  // A zone ("fe80::1%eth0") is local to a host and has no place in a certificate.
  const kind = ip.includes("%") ? 0 : isIP(ip);
  if (kind === 4) return ip;
  // WHATWG URL serialises IPv6 per RFC 5952: lowercase, longest zero run compressed.
  if (kind === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  throw new Error(`"${ip}" is not an IP address`);
}

/** Validates SANs and fills in empty lists; IPs come back canonical. */
export function normalizeSans(s: SanSpec): FullSanSpec {
  const nonEmpty = (list: string[] | undefined, what: string): string[] => {
    for (const v of list ?? []) if (v.trim() === "") throw new Error(`empty ${what} in SANs`);
    return [...(list ?? [])];
  };
  const uris = nonEmpty(s.uris, "URI");
  for (const u of uris) if (!URL.canParse(u)) throw new Error(`SAN URI "${u}" is not an absolute URI`);
  return {
    dnsNames: nonEmpty(s.dnsNames, "DNS name"),
    ipAddresses: nonEmpty(s.ipAddresses, "IP address").map(canonicalIp),
    uris,
    emailAddresses: nonEmpty(s.emailAddresses, "email address"),
  };
}

export function hasSans(s: SanSpec): boolean {
  const n = normalizeSans(s);
  return n.dnsNames.length + n.ipAddresses.length + n.uris.length + n.emailAddresses.length > 0;
}

/** The SAN extension, or undefined when there are no names. RFC 5280: critical iff the subject is empty. */
export function sanExtension(s: SanSpec, critical: boolean): x509.SubjectAlternativeNameExtension | undefined {
  const n = normalizeSans(s);
  const names: x509.JsonGeneralName[] = [
    ...n.dnsNames.map((value) => ({ type: "dns" as const, value })),
    ...n.ipAddresses.map((value) => ({ type: "ip" as const, value })),
    ...n.uris.map((value) => ({ type: "url" as const, value })),
    ...n.emailAddresses.map((value) => ({ type: "email" as const, value })),
  ];
  return names.length > 0 ? new x509.SubjectAlternativeNameExtension(names, critical) : undefined;
}

/** Reads SANs from an extension list (certificate or CSR); name types we do not model are skipped. */
export function sansFromExtensions(extensions: readonly x509.Extension[]): FullSanSpec {
  const out: FullSanSpec = { dnsNames: [], ipAddresses: [], uris: [], emailAddresses: [] };
  for (const ext of extensions) {
    if (!(ext instanceof x509.SubjectAlternativeNameExtension)) continue;
    for (const name of ext.names.items) {
      if (name.type === "dns") out.dnsNames.push(name.value);
      else if (name.type === "ip") out.ipAddresses.push(safeCanonicalIp(name.value));
      else if (name.type === "url") out.uris.push(name.value);
      else if (name.type === "email") out.emailAddresses.push(name.value);
    }
  }
  return out;
}

function safeCanonicalIp(ip: string): string {
  try {
    return canonicalIp(ip);
  } catch {
    return ip; // e.g. a malformed length in a foreign certificate: show what is there
  }
}
