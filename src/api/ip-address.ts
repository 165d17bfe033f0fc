// IP address and CIDR parsing that agrees with the API server's CEL isIP()/isCIDR()
// (Go's netip without zones and without IPv4-mapped IPv6), so zod and CEL refuse the same.

export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

const OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (const [i, p] of parts.entries()) {
    if (!OCTET.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseHextets(s: string): number[] | undefined {
  if (s === "") return [];
  const groups = s.split(":");
  const out: number[] = [];
  for (const [i, g] of groups.entries()) {
    if (i === groups.length - 1 && g.includes(".")) {
      const v4 = parseIPv4(g);
      if (v4 === undefined) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (HEXTET.test(g)) {
      out.push(parseInt(g, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function parseIPv6(s: string): Uint8Array | undefined {
  const halves = s.split("::");
  // A dotted IPv4 tail may only come last.
  if (halves.length > 2 || (halves.length === 2 && halves[0]!.includes("."))) return undefined;
  const head = parseHextets(halves[0]!);
  const tail = halves.length === 2 ? parseHextets(halves[1]!) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const words = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return isIPv4Mapped(out) ? undefined : out;
}

function isIPv4Mapped(b: Uint8Array): boolean {
  return b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

/** 4 bytes for IPv4, 16 for IPv6, undefined if `s` is not an address CEL's isIP() accepts. */
export function parseIP(s: string): Uint8Array | undefined {
  return s.includes(":") ? parseIPv6(s) : parseIPv4(s);
}

export function isIP(s: string): boolean {
  return parseIP(s) !== undefined;
}

/** "10.0.0.0/8" or "fd00::/8"; host bits may be set, as in netip.ParsePrefix. */
export function parseCIDR(s: string): Cidr | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const bytes = parseIP(s.slice(0, slash));
  const bits = s.slice(slash + 1);
  if (bytes === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(bits)) return undefined;
  const prefix = Number(bits);
  return prefix <= bytes.length * 8 ? { bytes, prefix } : undefined;
}

export function isCIDR(s: string): boolean {
  return parseCIDR(s) !== undefined;
}
