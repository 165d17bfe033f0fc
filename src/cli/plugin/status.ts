// `status NAME`: the Certificate's conditions, the certificate its Secret serves (decoded), its
// last Events and its inventory history.
import { EVENTS, SECRETS } from "../../kube/resources.ts";
import { decodeSecretData } from "../../kube/secret-store.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import { leafOfBundle } from "../../pki/inspect.ts";
import { summarize, summaryLines, type CertificateSummary } from "./certificate-summary.ts";
import { getCertificate, nameArg, printStructured, table, type CertificateObject, type Ctx } from "./context.ts";

const MAX_EVENTS = 10;

interface EventObject extends KubeObject {
  type?: string;
  reason?: string;
  note?: string;
  eventTime?: string;
  series?: { count: number; lastObservedTime: string };
  deprecatedLastTimestamp?: string;
  regarding?: { kind?: string; name?: string; apiVersion?: string; uid?: string };
}

export interface EventSummary {
  type: string;
  reason: string;
  message: string;
  count: number;
  lastSeen: string;
}

export async function certificateEvents(ctx: Ctx, cert: CertificateObject): Promise<EventSummary[]> {
  const name = cert.metadata.name ?? "";
  const list = await ctx.client.list<EventObject>(EVENTS, { namespace: cert.metadata.namespace, fieldSelector: `regarding.name=${name}` });
  return list.items
    // By uid: cert-manager's Certificate of the same name has events too.
    .filter((e) => e.regarding?.uid === cert.metadata.uid)
    .map((e) => ({
      type: e.type ?? "",
      reason: e.reason ?? "",
      message: e.note ?? "",
      count: e.series?.count ?? 1,
      lastSeen: e.series?.lastObservedTime ?? e.eventTime ?? e.metadata.creationTimestamp ?? "",
    }))
    .sort((a, b) => a.lastSeen.localeCompare(b.lastSeen))
    .slice(-MAX_EVENTS);
}

async function servedCertificate(ctx: Ctx, cert: CertificateObject): Promise<{ secret: string; certificate?: CertificateSummary; problem?: string }> {
  const secret = cert.spec.secretName;
  const s = await ctx.client.find<SecretObject>(SECRETS, cert.metadata.namespace, secret);
  if (!s) return { secret, problem: `Secret ${secret} does not exist` };
  const leaf = leafOfBundle(decodeSecretData(s)["tls.crt"]);
  if (!leaf) return { secret, problem: `Secret ${secret} holds no readable tls.crt` };
  try {
    return { secret, certificate: summarize(leaf) };
  } catch (e) {
    return { secret, problem: `tls.crt cannot be decoded: ${(e as Error).message}` };
  }
}

export async function statusVerb(ctx: Ctx): Promise<number> {
  const name = nameArg(ctx, "status");
  const cert = await getCertificate(ctx, name);
  const served = await servedCertificate(ctx, cert);
  const events = await certificateEvents(ctx, cert);
  const report = {
    namespace: cert.metadata.namespace, name, type: cert.spec.type,
    profile: `${cert.spec.raProfileRef.kind ?? "RAProfile"}/${cert.spec.raProfileRef.name}`,
    conditions: cert.status?.conditions ?? [], revision: cert.status?.revision, renewalTime: cert.status?.renewalTime,
    secret: served.secret, servedCertificate: served.certificate, servedCertificateProblem: served.problem,
    events, history: cert.status?.history ?? [],
  };
  if (printStructured(ctx, report)) return 0;
  const now = ctx.clock.now();
  const lines = [
    `Certificate:  ${report.namespace}/${name} (type ${report.type}, profile ${report.profile}, revision ${report.revision ?? "-"})`,
    `Secret:       ${served.secret}`,
    `Renewal:      ${report.renewalTime ?? "-"}`,
    "Conditions:",
    ...indent(table(["TYPE", "STATUS", "REASON", "MESSAGE"], report.conditions.map((c) => [c.type, c.status, c.reason ?? "", c.message ?? ""]))),
    "Served certificate:",
    ...(served.certificate ? summaryLines(served.certificate, now) : [`  (none: ${served.problem})`]),
    "Events:",
    ...(events.length ? indent(table(["LAST SEEN", "TYPE", "REASON", "COUNT", "MESSAGE"], events.map((e) => [e.lastSeen, e.type, e.reason, String(e.count), e.message]))) : ["  (none)"]),
    "History:",
    ...(report.history.length
      ? indent(table(["SERIAL", "ISSUED", "NOT AFTER", "STATE"], report.history.map((h) => [h.serialNumber, h.issuedAt ?? "", h.notAfter, h.revocationReason ? `${h.state} (${h.revocationReason})` : h.state])))
      : ["  (none)"]),
  ];
  ctx.out(lines.join("\n") + "\n");
  return 0;
}

function indent(text: string): string[] {
  return text.trimEnd().split("\n").map((l) => `  ${l}`);
}
