// The profile reconcile without a cluster: a first status before the authority is asked, then a
// Ready that reflects the probe, with Reconciling/Stalled as kstatus reads them. The authority is
// a connector whose probe answers as the test says (reachable, down, refusing).
import { describe, expect, it } from "vitest";
import type { RAProfileStatus } from "../../api/ra-profile.ts";
import type { Connector } from "../../connectors/connector.ts";
import { ConnectorError } from "../../connectors/connector.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { Informer } from "../../kube/informer.ts";
import type { KubeObject } from "../../kube/objects.ts";
import { RA_PROFILES } from "../../kube/certwright-resources.ts";
import { captureLogger } from "../../observability/log-capture.ts";
import { FakeClock } from "../../runtime/clock.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { computeKStatus } from "../../../test/harness/kstatus.ts";
import type { CrlPublisher } from "./crl-publisher.ts";
import { PROBE_WHILE_FAILING_MS, ProfileReconciler } from "./profile-reconciler.ts";

type Answer = "ok" | "down" | "refused";

function setup(spec: Record<string, unknown> = {}) {
  let obj: KubeObject & { status?: RAProfileStatus } = {
    apiVersion: "certwright.dev/v1alpha1", kind: "RAProfile",
    metadata: { name: "p", namespace: "team", uid: "u", generation: 1 },
    spec: { authority: { type: "acme", acme: { server: "https://acme.test/directory", accountKeySecretRef: { name: "acct" } } }, ...spec },
  } as KubeObject;
  const patches: RAProfileStatus[] = [];
  const seenAtProbe: string[] = [];
  let answer: Answer = "ok";
  const client = {
    withSignal: () => client,
    patchStatus: (_r: unknown, _ns: unknown, _name: unknown, status: RAProfileStatus) => {
      patches.push(status);
      obj = { ...obj, status: Object.fromEntries(Object.entries({ ...obj.status, ...status }).filter(([, v]) => v !== null)) };
      return Promise.resolve(obj);
    },
  };
  const connector = {
    type: "acme",
    capabilities: new Set(["issue", "revoke"]),
    exactIssuance: false,
    handOff: false,
    prepare: () => Promise.resolve({ caPem: "" }),
    probe: () => {
      seenAtProbe.push(obj.status?.conditions?.map((c) => `${c.type}=${c.status}`).join(" ") ?? "no status");
      if (answer === "down") return Promise.reject(new ConnectorError("CAUnavailable", "connection refused", true));
      if (answer === "refused") return Promise.reject(new ConnectorError("Unauthorized", "the directory refused us", false));
      return Promise.resolve();
    },
  } as unknown as Connector;
  const changed: string[] = [];
  const reconciler = new ProfileReconciler({
    kind: "RAProfile",
    resource: RA_PROFILES,
    informer: { get: () => obj } as unknown as Informer<KubeObject>,
    client: client as unknown as KubeClient,
    connectors: { get: () => connector } as unknown as ConnectorRegistry,
    clock: new FakeClock(new Date("2026-03-01T00:00:00Z")),
    clusterResourceNamespace: "system",
    onProfileChanged: (_k, _ns, name) => void changed.push(name),
    crls: {} as CrlPublisher,
  });
  const rc = { reconcileID: "r", log: captureLogger("error").log, signal: new AbortController().signal, assertLeader: () => undefined };
  return {
    reconcile: () => reconciler.reconcile("team/p", rc),
    answer: (a: Answer) => void (answer = a),
    edit: (s: Record<string, unknown>) => void (obj = { ...obj, metadata: { ...obj.metadata, generation: (obj.metadata.generation ?? 1) + 1 }, spec: { ...(obj as unknown as { spec: object }).spec, ...s } } as KubeObject),
    kstatus: () => computeKStatus(obj).status,
    line: () => ["Ready", "Reconciling", "Stalled"].map((t) => `${t}=${obj.status?.conditions?.find((c) => c.type === t)?.status ?? "-"}`).join(" "),
    observed: () => obj.status?.conditions?.every((c) => c.observedGeneration === obj.metadata.generation) && obj.status.observedGeneration === obj.metadata.generation,
    patches, seenAtProbe, changed,
  };
}

describe("ProfileReconciler", () => {
  it("writes Reconciling=True before the first probe, then Ready from the probe (Current)", async () => {
    const p = setup();
    expect(await p.reconcile()).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(p.seenAtProbe).toEqual(["Ready=Unknown Reconciling=True Stalled=False"]);
    expect(p.line()).toBe("Ready=True Reconciling=False Stalled=False");
    expect(p.kstatus()).toBe("Current");
    expect(p.observed()).toBe(true);
    expect(p.changed).toEqual(["p"]);
  });

  it("an unreachable authority is Ready=False and Reconciling (InProgress), probed again soon, and Ready once back", async () => {
    const p = setup();
    p.answer("down");
    expect(await p.reconcile()).toEqual({ requeueAfterMs: PROBE_WHILE_FAILING_MS });
    expect(p.line()).toBe("Ready=False Reconciling=True Stalled=False");
    expect(p.kstatus()).toBe("InProgress");
    p.answer("ok");
    await p.reconcile();
    expect(p.kstatus()).toBe("Current");
  });

  it("an authority that refuses is Stalled (Failed), and a disabled profile too", async () => {
    const p = setup();
    p.answer("refused");
    expect(await p.reconcile()).not.toEqual({ requeueAfterMs: PROBE_WHILE_FAILING_MS });
    expect(p.line()).toBe("Ready=False Reconciling=False Stalled=True");
    expect(p.kstatus()).toBe("Failed");
    p.answer("ok");
    p.edit({ enabled: false });
    await p.reconcile();
    expect(p.line()).toBe("Ready=False Reconciling=False Stalled=True");
    expect(p.observed()).toBe(true);
  });

  it("writes nothing when nothing changed", async () => {
    const p = setup();
    await p.reconcile();
    const n = p.patches.length;
    await p.reconcile();
    expect(p.patches.length).toBe(n);
  });
});
