// Judges a certificate a person is about to hand back, before anything is written: the chain
// links, the key is the pending CSR's, the names are the CSR's, the usages fit the type, and
// it is within its validity. Every problem is named, with the values that differ.
import { parseAndVerifyCsr } from "../../pki/csr.ts";
import { inspectCertificate, splitPemBundle, verifyIssuedBy, type CertificateInfo } from "../../pki/inspect.ts";
import { describeKey, spkiSha256 } from "../../pki/keys.ts";
import { canonicalSans } from "../../pki/san.ts";
import type { CertificateType } from "../../pki/usages.ts";
import { usagesForType } from "../../pki/usages.ts";
import { sanList } from "./certificate-summary.ts";

export interface HandbackInput {
  /** What the portal returned: the leaf, optionally followed by its chain. */
  bundlePem: string;
  /** The CA bundle (--ca), if the portal gave it separately. */
  caPem?: string;
  /** The pending CSR from the request Secret. */
  csrPem: string;
  type: CertificateType;
  now: Date;
}

interface Parsed {
  pem: string;
  info: CertificateInfo;
}

function readAll(what: string, pem: string): Parsed[] | string {
  let certs: string[];
  try {
    certs = splitPemBundle(pem);
  } catch (e) {
    return `${what}: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (certs.length === 0) return `${what} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  const out: Parsed[] = [];
  for (const [i, c] of certs.entries()) {
    try {
      out.push({ pem: c, info: inspectCertificate(c) });
    } catch {
      return `${what}: certificate ${i + 1} of ${certs.length} is not a valid X.509 certificate`;
    }
  }
  return out;
}

const label = (p: Parsed, i: number) => `certificate ${i + 1} (${p.info.subject || "empty subject"})`;

async function chainProblems(chain: Parsed[], cas: Parsed[]): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i + 1]!.info.isCA) problems.push(`${label(chain[i + 1]!, i + 1)} is not a CA certificate, yet follows ${label(chain[i]!, i)} in the chain`);
    else if (!(await verifyIssuedBy(chain[i]!.pem, chain[i + 1]!.pem))) problems.push(`${label(chain[i]!, i)} is not signed by ${label(chain[i + 1]!, i + 1)}: the chain is out of order or mixed`);
  }
  if (cas.length === 0) return problems;
  const top = chain.at(-1)!;
  const anchored = cas.some((ca) => ca.info.fingerprintSHA256 === top.info.fingerprintSHA256) || (await anyIssued(top.pem, cas));
  if (!anchored) problems.push(`no certificate of --ca issued ${label(top, chain.length - 1)} (its issuer is ${top.info.issuer})`);
  return problems;
}

async function anyIssued(pem: string, cas: Parsed[]): Promise<boolean> {
  for (const ca of cas) if (await verifyIssuedBy(pem, ca.pem)) return true;
  return false;
}

function nameProblem(leaf: CertificateInfo, csrSans: string[]): string | undefined {
  const got = sanList(canonicalSans(leaf.sans));
  const missing = csrSans.filter((n) => !got.includes(n));
  const extra = got.filter((n) => !csrSans.includes(n));
  if (!missing.length && !extra.length) return undefined;
  const parts = [missing.length ? `missing ${missing.join(", ")}` : "", extra.length ? `not requested ${extra.join(", ")}` : ""].filter(Boolean);
  return `the certificate's names differ from the CSR's: ${parts.join("; ")} (CSR: ${csrSans.join(", ") || "none"})`;
}

function usageProblem(leaf: Parsed, type: CertificateType): string | undefined {
  let want;
  try {
    want = usagesForType(type, describeKey(leaf.pem).algorithm);
  } catch (e) {
    return `the certificate's key cannot serve a ${type} certificate: ${(e as Error).message}`;
  }
  const have = [...leaf.info.keyUsages, ...leaf.info.extKeyUsages];
  const missing = [...want.keyUsages, ...want.extKeyUsages].filter((u) => !have.includes(u));
  return missing.length ? `the certificate lacks usages a ${type} certificate needs: ${missing.join(", ")} (it has ${have.join(", ") || "none"})` : undefined;
}

function validityProblem(leaf: CertificateInfo, now: Date): string | undefined {
  if (leaf.notAfter <= now) return `the certificate expired at ${leaf.notAfter.toISOString()}`;
  if (leaf.notBefore > now) return `the certificate is not valid before ${leaf.notBefore.toISOString()}`;
  return undefined;
}

/** Every problem found, most basic first; empty when the hand-back would be accepted. */
export async function handbackProblems(input: HandbackInput): Promise<string[]> {
  const chain = readAll("--cert", input.bundlePem);
  if (typeof chain === "string") return [chain];
  const cas = input.caPem === undefined ? [] : readAll("--ca", input.caPem);
  if (typeof cas === "string") return [cas];
  const csr = await parseAndVerifyCsr(input.csrPem);
  const leaf = chain[0]!;
  const problems: string[] = [];
  if (leaf.info.isCA) problems.push("the first certificate of --cert is a CA certificate: put the issued (leaf) certificate first");
  if (leaf.info.spkiSha256 !== spkiSha256(csr.publicKeyPem)) {
    problems.push(`the certificate's public key (SPKI SHA-256 ${leaf.info.spkiSha256.slice(0, 16)}…) is not the pending CSR's (${spkiSha256(csr.publicKeyPem).slice(0, 16)}…): it was issued for another CSR`);
  }
  const names = nameProblem(leaf.info, sanList(canonicalSans(csr.sans)));
  if (names) problems.push(names);
  const usages = usageProblem(leaf, input.type);
  if (usages) problems.push(usages);
  const validity = validityProblem(leaf.info, input.now);
  if (validity) problems.push(validity);
  problems.push(...(await chainProblems(chain, cas)));
  return problems;
}
