// Is an IP address inside a CIDR range? IPv4 and IPv6; an address never matches a range
// of the other family.
import { parseCIDR, parseIP } from "../api/ip-address.ts";

export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCIDR(cidr);
  const addr = parseIP(ip);
  if (range === undefined || addr === undefined || addr.length !== range.bytes.length) return false;
  const full = Math.floor(range.prefix / 8);
  for (let i = 0; i < full; i++) if (addr[i] !== range.bytes[i]) return false;
  const rest = range.prefix % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (addr[full]! & mask) === (range.bytes[full]! & mask);
}
