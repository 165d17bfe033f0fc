// `inspect secret NAME`: what a certificate Secret holds, decoded; never a private key's bytes.
import { SECRETS } from "../../kube/resources.ts";
import { decodeSecretData } from "../../kube/secret-store.ts";
import type { SecretObject } from "../../kube/objects.ts";
import { isNotFound } from "../../kube/errors.ts";
import { certificateMatchesKey, leafOfBundle } from "../../pki/inspect.ts";
import { describeKey } from "../../pki/keys.ts";
import { summarizeBundle, summaryLines } from "./certificate-summary.ts";
import { CliError, printStructured, type Ctx } from "./context.ts";

// What certwright records on the Secrets it writes (README: crash-consistent inventory).
const RECORD_PREFIX = "certwright.dev/";

function keyFacts(data: Record<string, string>): { key?: string; matchesCertificate?: boolean; problem?: string } {
  const keyPem = data["tls.key"];
  if (!keyPem) return {};
  try {
    const d = describeKey(keyPem);
    const leaf = leafOfBundle(data["tls.crt"]);
    return { key: d.size ? `${d.algorithm} ${d.size}` : d.algorithm, matchesCertificate: leaf ? certificateMatchesKey(leaf, keyPem) : undefined };
  } catch {
    return { problem: "tls.key is not a readable private key" };
  }
}

function jwksKids(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { keys?: { kid?: string }[] };
    return (parsed.keys ?? []).map((k) => k.kid ?? "(no kid)");
  } catch {
    return ["(jwks.json is not JSON)"];
  }
}

async function readSecret(ctx: Ctx, name: string): Promise<SecretObject> {
  try {
    return await ctx.client.get<SecretObject>(SECRETS, ctx.namespace, name);
  } catch (e) {
    if (isNotFound(e)) throw new CliError(`Secret ${ctx.namespace}/${name} not found`);
    throw e;
  }
}

const recorded = (m: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k.startsWith(RECORD_PREFIX) && k !== `${RECORD_PREFIX}previous-certificate`));

function optional<T>(text: string | undefined, f: (t: string) => T): T | undefined {
  return text === undefined ? undefined : f(text);
}

function describeSecret(namespace: string, name: string, secret: SecretObject) {
  const data = decodeSecretData(secret);
  const p12 = secret.data?.["keystore.p12"];
  return {
    namespace, name, type: secret.type ?? "Opaque",
    keys: Object.keys(secret.data ?? {}).sort(),
    labels: recorded(secret.metadata.labels),
    annotations: recorded(secret.metadata.annotations),
    certificates: optional(data["tls.crt"], summarizeBundle),
    ca: optional(data["ca.crt"], summarizeBundle),
    privateKey: keyFacts(data),
    csr: optional(data["tls.csr"], () => "present (a pending hand-off: kubectl certwright csr)"),
    keystoreP12Bytes: optional(p12, (b) => Buffer.from(b, "base64").length),
    jwksKids: jwksKids(data["jwks.json"]),
  };
}

type SecretReport = ReturnType<typeof describeSecret>;

function bundleLines(title: string, b: ReturnType<typeof summarizeBundle> | undefined, now: Date): string[] {
  if (!b) return [];
  const lines = b.error ? [`${title}: unreadable: ${b.error}`] : [];
  b.certificates.forEach((c, i) => lines.push(`${title} ${i + 1} of ${b.certificates.length}:`, ...summaryLines(c, now)));
  return lines;
}

function keyLine(pk: SecretReport["privateKey"]): string[] {
  if (pk.problem) return [`tls.key:      ${pk.problem}`];
  if (!pk.key) return [];
  const match = pk.matchesCertificate === undefined ? "" : pk.matchesCertificate ? ", matches tls.crt" : ", DOES NOT match tls.crt";
  return [`tls.key:      ${pk.key}${match}`];
}

function textOf(r: SecretReport, now: Date): string {
  return [
    `Secret:       ${r.namespace}/${r.name} (type ${r.type})`,
    `Keys:         ${r.keys.join(", ") || "(none)"}`,
    ...Object.entries({ ...r.labels, ...r.annotations }).map(([k, v]) => `  ${k}: ${v}`),
    ...bundleLines("tls.crt", r.certificates, now),
    ...bundleLines("ca.crt", r.ca, now),
    ...keyLine(r.privateKey),
    ...(r.csr ? [`tls.csr:      ${r.csr}`] : []),
    ...(r.keystoreP12Bytes !== undefined ? [`keystore.p12: ${r.keystoreP12Bytes} bytes`] : []),
    ...(r.jwksKids ? [`jwks.json:    kid ${r.jwksKids.join(", ")}`] : []),
  ].join("\n") + "\n";
}

export async function inspectVerb(ctx: Ctx): Promise<number> {
  const [kind, name, ...rest] = ctx.positionals;
  if (kind !== "secret" || !name || rest.length) throw new CliError("usage: kubectl certwright inspect secret NAME", 2);
  const report = describeSecret(ctx.namespace, name, await readSecret(ctx, name));
  if (!printStructured(ctx, report)) ctx.out(textOf(report, ctx.clock.now()));
  return 0;
}
