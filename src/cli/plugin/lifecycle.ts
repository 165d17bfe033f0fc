// `renew`/`rekey` (a fresh spec.renewalRequest id, then wait for the new revision) and `revoke`
// (spec.revocation by server-side apply under a field manager of our own, then wait for Revoked).
import { randomBytes } from "node:crypto";
import { API_VERSION, CERTIFICATE } from "../../api/resources.ts";
import { CERTIFICATES } from "../../kube/certwright-resources.ts";
import { REVOCATION_REASONS } from "../../pki/crl.ts";
import { boolFlag, parseTimeout } from "./args.ts";
import { CliError, conditionOf, getCertificate, nameArg, type CertificateObject, type Ctx, waitFor } from "./context.ts";

/** The field manager that owns what the plugin writes (kubectl uses "kubectl-client-side-apply" etc.). */
export const PLUGIN_FIELD_MANAGER = "kubectl-certwright";

const timeoutOf = (ctx: Ctx) => parseTimeout(ctx.flags.get("timeout") ?? "2m");

function requestId(ctx: Ctx): string {
  const stamp = ctx.clock.now().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `kubectl-certwright-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Server-side apply of part of a Certificate's spec; conflicts only with --force-conflicts. */
async function applySpec(ctx: Ctx, name: string, spec: Record<string, unknown>): Promise<CertificateObject> {
  const body = { apiVersion: API_VERSION, kind: CERTIFICATE.kind, metadata: { name, namespace: ctx.namespace }, spec };
  return ctx.client.patch<CertificateObject>(CERTIFICATES, ctx.namespace, name, body, {
    type: "apply", fieldManager: PLUGIN_FIELD_MANAGER, force: boolFlag(ctx.flags, "force-conflicts", false),
  });
}

/** Done (a new revision serving), waiting for a person (hand-off), failed (throws) or undefined: not yet. */
function renewalOutcome(c: CertificateObject, id: string, revision: number, verb: string): { c: CertificateObject; waiting: boolean } | undefined {
  const ready = conditionOf(c, "Ready");
  const issuing = conditionOf(c, "Issuing");
  const served = c.status?.lastRenewalRequestId === id;
  if (served && (c.status?.revision ?? 0) > revision && ready?.status === "True") return { c, waiting: false };
  // A hand-off (manual connector) waits for a person: the request is in, the CSR published.
  if (issuing?.reason === "AwaitingCertificate") return { c, waiting: true };
  if (ready?.status === "False" && served) throw new CliError(`${verb} of ${c.metadata.name} failed: ${ready.reason}: ${ready.message ?? ""}`);
  return undefined;
}

export async function renewVerb(ctx: Ctx, rekey: boolean): Promise<number> {
  const verb = rekey ? "rekey" : "renew";
  const name = nameArg(ctx, verb);
  const before = await getCertificate(ctx, name);
  const id = requestId(ctx);
  await applySpec(ctx, name, { renewalRequest: { id, rekey } });
  ctx.err(`${verb}: requested ${ctx.namespace}/${name} (renewalRequest.id ${id})\n`);
  if (!boolFlag(ctx.flags, "wait", true)) return 0;
  const revision = before.status?.revision ?? 0;
  const done = await waitFor(ctx, timeoutOf(ctx), `revision ${revision + 1} of ${name}`, async () => renewalOutcome(await getCertificate(ctx, name), id, revision, verb));
  if (done.waiting) ctx.out(`${name}: a new CSR is published; get it with \`kubectl certwright csr ${name} -n ${ctx.namespace}\` and hand the certificate back\n`);
  else ctx.out(`${name}: revision ${done.c.status?.revision ?? "?"}, serial ${done.c.status?.serialNumber ?? "?"}\n`);
  return 0;
}

export async function revokeVerb(ctx: Ctx): Promise<number> {
  const name = nameArg(ctx, "revoke");
  const reason = ctx.flags.get("reason");
  if (!reason) throw new CliError(`revoke needs --reason, one of ${REVOCATION_REASONS.join(", ")}`, 2);
  if (!(REVOCATION_REASONS as readonly string[]).includes(reason)) throw new CliError(`--reason ${JSON.stringify(reason)} is not an RFC 5280 reason: use one of ${REVOCATION_REASONS.join(", ")}`, 2);
  const before = await getCertificate(ctx, name);
  if (!before.status?.serialNumber) throw new CliError(`${ctx.namespace}/${name} holds no certificate to revoke`);
  await applySpec(ctx, name, { revocation: { reason } });
  ctx.err(`revoke: requested ${ctx.namespace}/${name} serial ${before.status.serialNumber} (${reason})\n`);
  if (!boolFlag(ctx.flags, "wait", true)) return 0;
  const ready = await waitFor(ctx, timeoutOf(ctx), `${name} to be revoked`, async () => {
    const r = conditionOf(await getCertificate(ctx, name), "Ready");
    return r?.status === "False" && ["Revoked", "RevocationNotSupported"].includes(r.reason ?? "") ? r : undefined;
  });
  if (ready.reason !== "Revoked") throw new CliError(`${name} was not revoked: ${ready.reason}: ${ready.message ?? ""}`);
  ctx.out(`${name}: revoked serial ${before.status.serialNumber} (${reason})\n`);
  return 0;
}
