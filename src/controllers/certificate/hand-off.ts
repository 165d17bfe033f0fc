// Hand-off issuance (the manual connector): publish the CSR in a request Secret beside the
// Certificate's Secret, then judge the certificate a person hands back into that Secret. Pure
// judgement here; the reconciler does the writes. Whatever a person puts into the Secret,
// judgeHandOff answers with a state, never a thrown error.
import { parseAndVerifyCsr } from "../../pki/csr.ts";
import { certificateMatchesKey, inspectCertificate, splitPemBundle, type CertificateInfo } from "../../pki/inspect.ts";
import { describeKey } from "../../pki/keys.ts";
import { PemError } from "../../pki/pem.ts";
import { describeSubject } from "../../pki/subject.ts";
import { usagesForType } from "../../pki/usages.ts";
import type { DesiredRequest } from "./desired.ts";
import { sansOf } from "./desired.ts";

export const REQUEST_SUFFIX = "-request";

export type HandOffState =
  /** No CSR for what the spec asks: publish a new one. */
  | { kind: "publish" }
  /** The CSR is published; nothing handed back yet. */
  | { kind: "waiting" }
  | { kind: "invalid"; message: string }
  | { kind: "handedBack"; certificatePem: string; keyPem: string; caPem: string };

export async function judgeHandOff(data: Record<string, string> | undefined, desired: DesiredRequest): Promise<HandOffState> {
  const csrPem = data?.["tls.csr"];
  const keyPem = data?.["tls.key"];
  if (!csrPem || !keyPem || !(await csrFits(csrPem, desired))) return { kind: "publish" };
  const bundle = data["tls.crt"]?.trim();
  if (!bundle) return { kind: "waiting" };
  try {
    return judgeHandedBack(bundle, data["ca.crt"]?.trim(), keyPem, desired);
  } catch {
    // Every check below catches its own failures; this is the guarantee, not the plan.
    return { kind: "invalid", message: "the handed-back certificate cannot be read" };
  }
}

function judgeHandedBack(bundle: string, caBundle: string | undefined, keyPem: string, desired: DesiredRequest): HandOffState {
  const chain = readBundle("tls.crt", bundle);
  if (typeof chain === "string") return { kind: "invalid", message: chain };
  const problem = certificateProblem(chain, keyPem, desired);
  if (problem) return { kind: "invalid", message: problem };
  let caPem = chain.at(-1)!;
  if (caBundle) {
    const ca = readBundle("ca.crt", caBundle);
    if (typeof ca === "string") return { kind: "invalid", message: ca };
    caPem = ca.join("");
  }
  return { kind: "handedBack", certificatePem: chain.join(""), keyPem, caPem };
}

/** The certificates of a handed-back bundle, each one readable, or what is wrong with it. */
function readBundle(key: string, bundle: string): string[] | string {
  let certs: string[];
  try {
    certs = splitPemBundle(bundle);
  } catch (e) {
    return `${key}: ${e instanceof PemError ? e.message : "not readable as PEM"}`;
  }
  if (certs.length === 0) return `${key} does not hold a PEM certificate`;
  for (const [i, pem] of certs.entries()) {
    if (!readable(pem)) return certs.length === 1 ? `${key} does not hold a valid certificate` : `${key}: certificate ${i + 1} of ${certs.length} is not a valid certificate`;
  }
  return certs;
}

function readable(pem: string): boolean {
  try {
    inspectCertificate(pem);
    return true;
  } catch {
    return false;
  }
}

/** Whether the published CSR still asks for what the spec wants (same names, subject and key kind). */
async function csrFits(csrPem: string, desired: DesiredRequest): Promise<boolean> {
  try {
    const csr = await parseAndVerifyCsr(csrPem);
    return (
      describeSubject(csr.subject) === desired.subject &&
      sameNames(sansOf(csr.sans), sansOf(desired.sans)) &&
      csr.key.algorithm === desired.key.algorithm &&
      (csr.key.size ?? 0) === (desired.key.size ?? 0)
    );
  } catch {
    return false;
  }
}

function certificateProblem(chain: string[], keyPem: string, desired: DesiredRequest): string | undefined {
  const leaf = chain[0]!;
  const info: CertificateInfo = inspectCertificate(leaf); // readBundle checked that it parses
  if (!matchesKey(leaf, keyPem)) return "the certificate does not match the key of the published CSR";
  if (!sameNames(sansOf(info.sans), sansOf(desired.sans))) {
    return `the certificate's names (${namesOf(info.sans)}) differ from the spec (${namesOf(desired.sans)})`;
  }
  let algorithm;
  try {
    algorithm = describeKey(leaf).algorithm;
  } catch (e) {
    return `the certificate's key cannot be used: ${(e as Error).message}`;
  }
  const want = usagesForType(desired.type, algorithm);
  const missing = [...want.keyUsages, ...want.extKeyUsages].filter((u) => ![...info.keyUsages, ...info.extKeyUsages].includes(u));
  if (missing.length) return `the certificate lacks the usages a ${desired.type} certificate needs: ${missing.join(", ")}`;
  return undefined;
}

function matchesKey(leaf: string, keyPem: string): boolean {
  try {
    return certificateMatchesKey(leaf, keyPem);
  } catch {
    return false;
  }
}

function sameNames(a: Required<ReturnType<typeof sansOf>>, b: Required<ReturnType<typeof sansOf>>): boolean {
  const norm = (s: typeof a) =>
    JSON.stringify([s.dnsNames.map((x) => x.toLowerCase()).sort(), [...s.ipAddresses].sort(), [...s.uris].sort(), s.emailAddresses.map((x) => x.toLowerCase()).sort()]);
  return norm(a) === norm(b);
}

function namesOf(s: Parameters<typeof sansOf>[0]): string {
  const all = Object.values(sansOf(s)).flat();
  return all.length ? all.join(", ") : "none";
}
