// Subject Alternative Names: the canonical form (one per name, IPs in RFC 5952 text), the
// extension, and reading it back.
import { canonicalIpOrSelf } from "./canonical-ip.ts";
import { checkNameEncoding } from "./name-encoding.ts";
import type { SanSpec } from "./subject.ts";
import { x509 } from "./x509.ts";

export { canonicalIp } from "./canonical-ip.ts";

/** SANs with every list present. */
export type FullSanSpec = Required<SanSpec>;

export const SAN_KINDS = ["dnsNames", "ipAddresses", "uris", "emailAddresses"] as const;
export type SanKind = (typeof SAN_KINDS)[number];

/**
 * The comparison key of a name: DNS names ignore case; an email address ignores the case of its
 * domain but not of its local part (RFC 5280 7.5); IPs compare as addresses; URIs as written.
 */
export function sanKey(kind: SanKind, value: string): string {
  if (kind === "dnsNames") return value.toLowerCase();
  if (kind === "ipAddresses") return canonicalIpOrSelf(value);
  if (kind === "emailAddresses") {
    const at = value.lastIndexOf("@");
    return at < 0 ? value : value.slice(0, at) + value.slice(at).toLowerCase();
  }
  return value;
}

/**
 * The canonical SANs: every list present, IPs in canonical text, and names equal by sanKey
 * collapsed to their first spelling. Never throws (a value that is not an IP stays as written;
 * checkNameEncoding refuses it).
 */
export function canonicalSans(s: SanSpec): FullSanSpec {
  const one = (kind: SanKind): string[] => {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const raw of s[kind] ?? []) {
      const v = kind === "ipAddresses" ? canonicalIpOrSelf(raw) : raw;
      const key = sanKey(kind, v);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(v);
    }
    return out;
  };
  return { dnsNames: one("dnsNames"), ipAddresses: one("ipAddresses"), uris: one("uris"), emailAddresses: one("emailAddresses") };
}

/** The canonical SANs, after refusing (throwing) any name that cannot be written exactly. */
export function normalizeSans(s: SanSpec): FullSanSpec {
  const refusal = checkNameEncoding({}, s);
  if (refusal) throw new Error(refusal.message);
  return canonicalSans(s);
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
      else if (name.type === "ip") out.ipAddresses.push(canonicalIpOrSelf(name.value));
      else if (name.type === "url") out.uris.push(name.value);
      else if (name.type === "email") out.emailAddresses.push(name.value);
    }
  }
  return out;
}

/** Kinds of SAN present that SanSpec cannot express (directoryName, otherName, registeredID, ...). */
export function unmodelledSanTypes(extensions: readonly x509.Extension[]): string[] {
  const types = extensions
    .filter((ext): ext is x509.SubjectAlternativeNameExtension => ext instanceof x509.SubjectAlternativeNameExtension)
    .flatMap((ext) => ext.names.items.map((n) => n.type as string))
    .filter((t) => !["dns", "ip", "url", "email"].includes(t));
  return [...new Set(types)];
}

