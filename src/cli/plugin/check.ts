// `check`: are certwright's CRDs established (and does a cert-manager install share their names),
// is an operator leading (its Lease renewed within the lease duration), and, given
// --operator-url, does it answer /readyz.
import { CERTIFICATE, CLUSTER_RA_PROFILE, GROUP, RA_PROFILE } from "../../api/resources.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { CRDS, LEASES } from "../../kube/resources.ts";
import { printStructured, table, type Condition, type Ctx } from "./context.ts";

interface CrdObject extends KubeObject {
  spec: { group: string; names: { plural: string; shortNames?: string[] } };
  status?: { conditions?: Condition[] };
}

interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
}

export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

async function crdChecks(ctx: Ctx): Promise<CheckResult[]> {
  const all = await ctx.client.list<CrdObject>(CRDS);
  return [CERTIFICATE, RA_PROFILE, CLUSTER_RA_PROFILE].map((names) => {
    const crdName = `${names.plural}.${GROUP}`;
    const crd = all.items.find((c) => c.metadata.name === crdName);
    if (!crd) return { check: `CRD ${crdName}`, ok: false, detail: "not installed: kubectl apply -f crds/ (or install the chart)" };
    const bad = ["Established", "NamesAccepted"].filter((t) => crd.status?.conditions?.find((c) => c.type === t)?.status !== "True");
    const others = all.items.filter((c) => c.spec.group !== GROUP && c.spec.names.plural === names.plural).map((c) => c.metadata.name);
    const shared = others.length ? `; ${others.join(", ")} shares the plural: use ${names.shortNames[0]} or ${crdName} with kubectl` : "";
    return { check: `CRD ${crdName}`, ok: bad.length === 0, detail: bad.length ? `not ${bad.join(", ")}` : `established${shared}` };
  });
}

async function leaseCheck(ctx: Ctx): Promise<CheckResult> {
  const ns = ctx.flags.get("leader-election-namespace") ?? "certwright";
  const id = ctx.flags.get("leader-election-id") ?? "certwright-controller";
  const check = `operator Lease ${ns}/${id}`;
  const lease = await ctx.client.find<LeaseObject>(LEASES, ns, id);
  if (!lease?.spec?.renewTime) return { check, ok: false, detail: "no operator has led yet (is it deployed? --leader-election-namespace/--leader-election-id)" };
  const age = ctx.clock.now().getTime() - new Date(lease.spec.renewTime).getTime();
  const limit = (lease.spec.leaseDurationSeconds ?? 15) * 1000;
  const holder = lease.spec.holderIdentity ?? "(none)";
  if (!lease.spec.holderIdentity || age > limit) return { check, ok: false, detail: `not renewed for ${Math.round(age / 1000)}s (lease ${limit / 1000}s, last holder ${holder}): no operator is running` };
  return { check, ok: true, detail: `held by ${holder}, renewed ${Math.max(0, Math.round(age / 1000))}s ago` };
}

async function readyzCheck(url: string): Promise<CheckResult> {
  const target = new URL("/readyz", url).toString();
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(10_000) });
    return { check: `operator ${target}`, ok: res.ok, detail: `${res.status} ${(await res.text()).trim().slice(0, 200)}` };
  } catch (e) {
    return { check: `operator ${target}`, ok: false, detail: `unreachable: ${(e as Error).message}` };
  }
}

export async function checkVerb(ctx: Ctx): Promise<number> {
  const results = [...(await crdChecks(ctx)), await leaseCheck(ctx)];
  const url = ctx.flags.get("operator-url");
  if (url) results.push(await readyzCheck(url));
  if (!printStructured(ctx, results)) ctx.out(table(["CHECK", "OK", "DETAIL"], results.map((r) => [r.check, r.ok ? "yes" : "NO", r.detail])));
  return results.every((r) => r.ok) ? 0 : 1;
}
