// Reads what the Secret holds into the facts decide() needs. Never throws on bad content:
// broken data is a fact ("InvalidCertificate"), not an error. Parsing is bounded by the PEM caps
// (src/pki/pem.ts), so a huge or garbled tls.crt costs little and leads to a re-issue.
import { createHash } from "node:crypto";
import { chainsTo } from "../../pki/chains-to.ts";
import { Lru } from "../../pki/memo.ts";
import { certificateMatchesKey, inspectCertificate, splitPemBundle } from "../../pki/inspect.ts";
import { describeKey } from "../../pki/keys.ts";
import { subjectOfCertificate } from "../../pki/subject.ts";
import { usagesForType, type CertificateType } from "../../pki/usages.ts";
import type { Existing } from "./decide.ts";

type SecretFacts = NonNullable<Existing["secret"]>;

interface ReadContext {
  type: CertificateType;
  caPem: string | undefined;
  /**
   * Our own CA sets exactly the type's usages. Other authorities (ACME, CZERTAINLY, portals)
   * choose usages from their own templates: re-issuing could never change them, so they are
   * not compared (a loop of re-issues would be the only result).
   */
  exactUsages: boolean;
}

// A Secret is read by every reconcile of its Certificate (after its own write, after the status
// patch, at each resync): the facts of the same bytes are computed once. Keyed by a digest, so
// no private key is held as a map key.
const facts = new Lru<string, Promise<Readonly<SecretFacts>>>(1024);

export function existingFrom(data: Record<string, string> | undefined, ctx: ReadContext): Promise<Readonly<SecretFacts> | undefined> {
  if (!data) return Promise.resolve(undefined);
  const h = createHash("sha256");
  for (const part of [data["tls.crt"] ?? "", data["tls.key"] ?? "", ctx.caPem ?? "", ctx.type, String(ctx.exactUsages)]) h.update(part).update("\0");
  const key = h.digest("hex");
  const hit = facts.get(key);
  if (hit) return hit;
  const p = readFacts(data, ctx).then((f) => Object.freeze(f));
  facts.set(key, p);
  return p;
}

async function readFacts(data: Record<string, string>, ctx: ReadContext): Promise<SecretFacts> {
  const crt = data["tls.crt"] ?? "";
  const key = data["tls.key"] ?? "";
  const out: SecretFacts = {
    hasCertificate: crt.trim() !== "",
    hasKey: key.trim() !== "",
    keyMatchesCertificate: false,
    issuedByCurrentCa: false,
    usagesMatchType: false,
  };
  const bundle = readableBundle(crt);
  const leaf = bundle?.[0];
  if (!bundle || !leaf) return out;
  try {
    const info = inspectCertificate(leaf);
    out.certificate = { ...info, subjectCanonical: subjectOfCertificate(leaf) };
    const keyAlg = describeKey(leaf).algorithm;
    const want = usagesForType(ctx.type, keyAlg);
    out.usagesMatchType =
      !ctx.exactUsages || (sameMembers(info.keyUsages, want.keyUsages) && sameMembers(info.extKeyUsages, want.extKeyUsages));
    // Signed by the CA, directly or through the intermediates tls.crt carries (step-ca names its roots).
    out.issuedByCurrentCa = ctx.caPem ? await chainsTo(bundle, ctx.caPem).catch(() => false) : true;
  } catch {
    return out;
  }
  if (out.hasKey) {
    try {
      out.key = describeKey(key);
      out.keyMatchesCertificate = certificateMatchesKey(leaf, key);
    } catch {
      out.keyMatchesCertificate = false;
    }
  }
  return out;
}

/**
 * The bundle (leaf first), when all of it reads: every certificate in it parses. A garbled
 * intermediate would break the keystore and every TLS client, so it counts as an invalid certificate too.
 */
function readableBundle(bundle: string): string[] | undefined {
  try {
    const certs = splitPemBundle(bundle);
    for (const pem of certs) inspectCertificate(pem);
    return certs;
  } catch {
    return undefined;
  }
}

function sameMembers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
