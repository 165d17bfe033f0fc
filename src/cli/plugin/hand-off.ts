// The portal hand-off of the manual connector, from the user's side: `csr NAME` writes the CSR
// the operator published in `<secretName>-request`; `handback NAME --cert FILE` judges the
// certificate the portal returned and only then writes it into that Secret's tls.crt.
import { readFile, writeFile } from "node:fs/promises";
import { CLUSTER_RA_PROFILES, RA_PROFILES } from "../../kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import { SECRETS } from "../../kube/resources.ts";
import { decodeSecretData, encodeSecretData } from "../../kube/secret-store.ts";
import { MAX_CERTIFICATE_BUNDLE_LENGTH } from "../../pki/pem.ts";
import type { CertificateType } from "../../pki/usages.ts";
import { boolFlag, parseTimeout } from "./args.ts";
import { CliError, conditionOf, getCertificate, nameArg, type CertificateObject, type Ctx, waitFor } from "./context.ts";
import { handbackProblems } from "./handback-check.ts";
import { PLUGIN_FIELD_MANAGER } from "./lifecycle.ts";

/** The manual connector's request Secret (src/controllers/certificate/hand-off.ts REQUEST_SUFFIX). */
export const requestSecretName = (cert: CertificateObject) => `${cert.spec.secretName}-request`;

interface ProfileObject extends KubeObject {
  spec?: { authority?: { type?: string; manual?: { instructions?: string } } };
}

async function manualProfile(ctx: Ctx, cert: CertificateObject): Promise<ProfileObject> {
  const ref = cert.spec.raProfileRef;
  const cluster = ref.kind === "ClusterRAProfile";
  const profile = await ctx.client.find<ProfileObject>(cluster ? CLUSTER_RA_PROFILES : RA_PROFILES, cluster ? undefined : ctx.namespace, ref.name);
  const kind = cluster ? "ClusterRAProfile" : "RAProfile";
  if (!profile) throw new CliError(`${kind} ${ref.name} of Certificate ${cert.metadata.name} not found`);
  const type = profile.spec?.authority?.type;
  if (type !== "manual") throw new CliError(`${cert.metadata.name} is issued by the ${type ?? "unknown"} connector of ${kind} ${ref.name}: only the manual connector hands off a CSR`);
  return profile;
}

/** The request Secret's data while a CSR waits for a certificate, else an error saying why not. */
async function pendingRequest(ctx: Ctx, cert: CertificateObject): Promise<Record<string, string>> {
  const name = requestSecretName(cert);
  const secret = await ctx.client.find<SecretObject>(SECRETS, ctx.namespace, name);
  const data = decodeSecretData(secret);
  if (!secret || !data["tls.csr"]) throw new CliError(`no CSR published yet for ${cert.metadata.name} (Secret ${name} ${secret ? "has no tls.csr" : "does not exist"}); see kubectl certwright status ${cert.metadata.name}`);
  // After an accepted hand-back the operator keeps the CSR for the record but moves the key out.
  if (!data["tls.key"]) throw new CliError(`no CSR pending for ${cert.metadata.name}: the last one was answered (serial ${cert.status?.serialNumber ?? "?"}); kubectl certwright renew ${cert.metadata.name} asks for a new one`);
  return data;
}

export async function csrVerb(ctx: Ctx): Promise<number> {
  const name = nameArg(ctx, "csr");
  const cert = await getCertificate(ctx, name);
  const profile = await manualProfile(ctx, cert);
  const csr = (await pendingRequest(ctx, cert))["tls.csr"]!;
  const file = ctx.flags.get("out");
  if (file && file !== "-") {
    await writeFile(file, csr, { mode: 0o644 });
    ctx.err(`wrote the CSR of ${ctx.namespace}/${name} to ${file}\n`);
  } else ctx.out(csr);
  const instructions = profile.spec?.authority?.manual?.instructions;
  ctx.err(`${instructions ? `${instructions}\n` : ""}then: kubectl certwright handback ${name} -n ${ctx.namespace} --cert <certificate.pem> [--ca <ca.pem>]\n`);
  return 0;
}

async function readInput(flag: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new CliError(`${flag} ${path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  if (text.length > MAX_CERTIFICATE_BUNDLE_LENGTH) throw new CliError(`${flag} ${path} is larger than ${MAX_CERTIFICATE_BUNDLE_LENGTH} bytes`);
  return text;
}

export async function handbackVerb(ctx: Ctx): Promise<number> {
  const name = nameArg(ctx, "handback");
  const certFile = ctx.flags.get("cert");
  if (!certFile) throw new CliError("handback needs --cert FILE (the certificate the portal issued, PEM)", 2);
  const bundlePem = await readInput("--cert", certFile);
  const caFile = ctx.flags.get("ca");
  const caPem = caFile ? await readInput("--ca", caFile) : undefined;
  const cert = await getCertificate(ctx, name);
  await manualProfile(ctx, cert);
  const request = await pendingRequest(ctx, cert);
  const problems = await handbackProblems({ bundlePem, caPem, csrPem: request["tls.csr"]!, type: cert.spec.type as CertificateType, now: ctx.clock.now() });
  if (problems.length) {
    throw new CliError(`refused, nothing written to Secret ${requestSecretName(cert)}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
  const data: Record<string, string> = { "tls.crt": bundlePem.trim() + "\n" };
  if (caPem) data["ca.crt"] = caPem.trim() + "\n";
  const before = cert.status?.serialNumber;
  await ctx.client.patch(SECRETS, ctx.namespace, requestSecretName(cert), { data: encodeSecretData(data) }, { fieldManager: PLUGIN_FIELD_MANAGER });
  ctx.err(`handback: wrote tls.crt${caPem ? " and ca.crt" : ""} into Secret ${requestSecretName(cert)}\n`);
  if (!boolFlag(ctx.flags, "wait", true)) return 0;
  const done = await waitFor(ctx, parseTimeout(ctx.flags.get("timeout") ?? "2m"), `${name} to accept the certificate`, async () => {
    const c = await getCertificate(ctx, name);
    const ready = conditionOf(c, "Ready");
    const issuing = conditionOf(c, "Issuing");
    if (ready?.reason === "HandedBackCertificateInvalid" || issuing?.reason === "HandedBackCertificateInvalid") {
      throw new CliError(`the operator refused it: ${(ready?.reason === "HandedBackCertificateInvalid" ? ready : issuing)!.message ?? ""}`);
    }
    return ready?.status === "True" && c.status?.serialNumber && c.status.serialNumber !== before ? c : undefined;
  });
  ctx.out(`${name}: Ready, serial ${done.status?.serialNumber ?? "?"}\n`);
  return 0;
}
