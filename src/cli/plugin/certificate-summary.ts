// What a person wants to know about a certificate, decoded from its PEM: the fields `status`
// and `inspect` print. Pure; the parsers below cap their input (src/pki/pem.ts).
import { inspectCertificate, splitPemBundle } from "../../pki/inspect.ts";
import { describeKey } from "../../pki/keys.ts";
import type { SanSpec } from "../../pki/subject.ts";

export interface CertificateSummary {
  subject: string;
  sans: string[];
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  key: string;
  keyUsages: string[];
  extKeyUsages: string[];
  isCA: boolean;
  fingerprintSHA256: string;
}

export function sanList(s: SanSpec): string[] {
  return [
    ...(s.dnsNames ?? []).map((v) => `DNS:${v}`),
    ...(s.ipAddresses ?? []).map((v) => `IP:${v}`),
    ...(s.uris ?? []).map((v) => `URI:${v}`),
    ...(s.emailAddresses ?? []).map((v) => `email:${v}`),
  ];
}

export function summarize(pem: string): CertificateSummary {
  const info = inspectCertificate(pem);
  const key = describeKey(pem);
  return {
    subject: info.subject,
    sans: sanList(info.sans),
    issuer: info.issuer,
    serialNumber: info.serialNumber,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    key: key.size ? `${key.algorithm} ${key.size}` : key.algorithm,
    keyUsages: info.keyUsages,
    extKeyUsages: info.extKeyUsages,
    isCA: info.isCA,
    fingerprintSHA256: info.fingerprintSHA256,
  };
}

/** Each certificate of a bundle summarized, or what makes it unreadable (never throws). */
export function summarizeBundle(pem: string): { certificates: CertificateSummary[]; error?: string } {
  try {
    return { certificates: splitPemBundle(pem).map(summarize) };
  } catch (e) {
    return { certificates: [], error: e instanceof Error ? e.message : String(e) };
  }
}

/** "349d 23h" until notAfter, or "expired 2d 1h ago". */
export function timeLeft(notAfter: string, now: Date): string {
  const ms = new Date(notAfter).getTime() - now.getTime();
  const abs = Math.abs(ms);
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.floor((abs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const span = days > 0 ? `${days}d ${hours}h` : hours > 0 ? `${hours}h ${minutes}m` : `${minutes}m`;
  return ms < 0 ? `expired ${span} ago` : `expires in ${span}`;
}

export function summaryLines(s: CertificateSummary, now: Date, indent = "  "): string[] {
  const usages = [...s.keyUsages, ...s.extKeyUsages];
  return [
    `Subject:      ${s.subject || "(empty)"}`,
    `SANs:         ${s.sans.length ? s.sans.join(", ") : "(none)"}`,
    `Issuer:       ${s.issuer}`,
    `Serial:       ${s.serialNumber}`,
    `Validity:     ${s.notBefore} to ${s.notAfter} (${timeLeft(s.notAfter, now)})`,
    `Key:          ${s.key}`,
    `Usages:       ${usages.length ? usages.join(", ") : "(none)"}${s.isCA ? " (CA)" : ""}`,
    `SHA-256:      ${s.fingerprintSHA256}`,
  ].map((l) => indent + l);
}
