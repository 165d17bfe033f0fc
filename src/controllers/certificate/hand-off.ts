// Hand-off issuance (the manual connector): publish the CSR in a request Secret beside the
// Certificate's Secret, then judge the certificate a person hands back into that Secret. Pure
// judgement here; the reconciler does the writes.
import { parseAndVerifyCsr } from "../../pki/csr.ts";
import { certificateMatchesKey, inspectCertificate, splitPemBundle } from "../../pki/inspect.ts";
import { describeKey } from "../../pki/keys.ts";
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
  const chain = splitPemBundle(bundle);
  const problem = certificateProblem(chain[0], keyPem, desired);
  if (problem) return { kind: "invalid", message: problem };
  const caPem = data["ca.crt"]?.trim() || chain.at(-1)!;
  return { kind: "handedBack", certificatePem: chain.join(""), keyPem, caPem };
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

function certificateProblem(leaf: string | undefined, keyPem: string, desired: DesiredRequest): string | undefined {
  if (!leaf) return "tls.crt does not hold a PEM certificate";
  let info;
  try {
    info = inspectCertificate(leaf);
  } catch {
    return "tls.crt does not hold a valid certificate";
  }
  if (!certificateMatchesKey(leaf, keyPem)) return "the certificate does not match the key of the published CSR";
  if (!sameNames(sansOf(info.sans), sansOf(desired.sans))) {
    return `the certificate's names (${namesOf(info.sans)}) differ from the spec (${namesOf(desired.sans)})`;
  }
  const want = usagesForType(desired.type, describeKey(leaf).algorithm);
  const missing = [...want.keyUsages, ...want.extKeyUsages].filter((u) => ![...info.keyUsages, ...info.extKeyUsages].includes(u));
  if (missing.length) return `the certificate lacks the usages a ${desired.type} certificate needs: ${missing.join(", ")}`;
  return undefined;
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
