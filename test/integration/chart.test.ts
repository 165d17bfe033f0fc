// The Helm chart: helm lint, values.schema.json, and every rendering (one per values file under
// test/fixtures/chart-values/) checked by the real API server through server-side apply with
// dryRun=All and fieldValidation=Strict, so each object must be one the server would accept.
// The committed kubectl bundle must equal a fresh rendering and pass the same check.
// ServiceMonitor/PrometheusRule: no prometheus-operator here and no network, so the test installs
// minimal monitoring.coreos.com CRDs that keep unknown fields: the server checks apiVersion, kind
// and metadata of those two, not their spec.
import { execFile } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { isAlreadyExists } from "../../src/kube/errors.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { CRDS, NAMESPACES, apiVersionOf, objectPath, type ResourceType } from "../../src/kube/resources.ts";
import { resolveBinaries } from "../../tools/control-plane/binaries.ts";
import { BUNDLE_NAMESPACE, BUNDLE_PATH, CHART_DIR, renderBundle } from "../../tools/bundle.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";

const run = promisify(execFile);
const client = testClient();
const FIXTURES = fileURLToPath(new URL("../fixtures/chart-values", import.meta.url));
const CRD_SOURCE = fileURLToPath(new URL("../../crds", import.meta.url));
let helm: string;

const rt = (group: string, version: string, plural: string, kind: string, namespaced: boolean): ResourceType => ({ group, version, plural, kind, namespaced });
const KINDS: Record<string, ResourceType> = {
  Namespace: NAMESPACES,
  CustomResourceDefinition: CRDS,
  ServiceAccount: rt("", "v1", "serviceaccounts", "ServiceAccount", true),
  Service: rt("", "v1", "services", "Service", true),
  Deployment: rt("apps", "v1", "deployments", "Deployment", true),
  ClusterRole: rt("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  ClusterRoleBinding: rt("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  Role: rt("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  RoleBinding: rt("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  PodDisruptionBudget: rt("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true),
  ServiceMonitor: rt("monitoring.coreos.com", "v1", "servicemonitors", "ServiceMonitor", true),
  PrometheusRule: rt("monitoring.coreos.com", "v1", "prometheusrules", "PrometheusRule", true),
};

// Views of the rendered objects, enough for the assertions below.
interface Container {
  image: string;
  args: string[];
  env?: unknown[];
  resources?: { requests?: unknown };
  securityContext?: unknown;
  livenessProbe: { httpGet: unknown };
  readinessProbe: { httpGet: unknown };
  ports?: unknown[];
}
interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface Spec {
  replicas?: number;
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: { securityContext?: unknown; containers: Container[]; serviceAccountName: string; nodeSelector?: unknown };
  };
  endpoints?: unknown[];
  groups: { rules: AlertRule[] }[];
  minAvailable?: unknown;
}
interface Rendered extends KubeObject {
  kind: string;
  apiVersion: string;
  spec: Spec;
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
  subjects?: { kind: string; name: string; namespace: string }[];
}

async function template(namespace: string, args: string[] = [], release = "certwright"): Promise<Rendered[]> {
  const { stdout } = await run(helm, ["template", release, CHART_DIR, "--namespace", namespace, ...args], {
    maxBuffer: 32 * 1024 * 1024,
  });
  return parseDocs(stdout);
}

function parseDocs(text: string): Rendered[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Rendered | null).filter((o): o is Rendered => o !== null);
}

function resourceOf(o: Rendered): ResourceType {
  const r = KINDS[o.kind];
  if (!r) throw new Error(`the test does not know kind ${o.kind}: add it to KINDS`);
  expect(o.apiVersion).toBe(apiVersionOf(r));
  return r;
}

/** Server-side apply with dryRun=All: admission, defaulting and schema validation run, nothing is stored. */
async function dryRunApply(o: Rendered): Promise<void> {
  const r = resourceOf(o);
  const path = objectPath(r, r.namespaced ? o.metadata.namespace : undefined, o.metadata.name ?? "");
  try {
    await client.rest.request("PATCH", path, {
      body: o, patchType: "apply", query: { fieldManager: "certwright-chart-test", dryRun: "All", fieldValidation: "Strict", force: true },
    });
  } catch (e) {
    throw new Error(`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${(e as Error).message}`, { cause: e });
  }
}

const find = (objs: Rendered[], kind: string, suffix = "") => objs.filter((o) => o.kind === kind && (o.metadata.name ?? "").endsWith(suffix));
const one = (objs: Rendered[], kind: string, suffix = "") => {
  const found = find(objs, kind, suffix);
  expect(found, `${kind} *${suffix}`).toHaveLength(1);
  return found[0]!;
};
const kindsOf = (objs: Rendered[]) => [...new Set(objs.map((o) => o.kind))].sort();

async function installMonitoringCrds(): Promise<void> {
  for (const [plural, kind] of [["servicemonitors", "ServiceMonitor"], ["prometheusrules", "PrometheusRule"]] as const) {
    const name = `${plural}.monitoring.coreos.com`;
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name },
      spec: {
        group: "monitoring.coreos.com",
        scope: "Namespaced",
        names: { plural, kind, listKind: `${kind}List`, singular: kind.toLowerCase() },
        versions: [{
          name: "v1", served: true, storage: true,
          schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } } },
        }],
      },
    };
    await client.patch(CRDS, undefined, name, crd, { type: "apply", force: true });
    await eventually(async () => {
      const got = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(CRDS, undefined, name);
      return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") || undefined;
    }, 30_000, `${name} Established`);
  }
}

beforeAll(async () => {
  helm = (await resolveBinaries("helm")).helm ?? "";
  expect(helm).not.toBe("");
  await installMonitoringCrds();
});

describe("helm lint and values.schema.json", () => {
  it("lints clean (--strict) with every values file", async () => {
    for (const f of await readdir(FIXTURES)) {
      const { stdout } = await run(helm, ["lint", "--strict", CHART_DIR, "--values", join(FIXTURES, f)]);
      expect(stdout, f).toContain("0 chart(s) failed");
    }
  });

  it("refuses unknown keys, wrong types and bad enums", async () => {
    const refuse = async (set: string, message: RegExp) => {
      await expect(template("default", ["--set", set])).rejects.toThrow(message);
    };
    await refuse("replicaCount=two", /replicaCount.*want integer/);
    await refuse("replicaCunt=2", /additional properties 'replicaCunt' not allowed/);
    await refuse("image.pullPolicy=Sometimes", /pullPolicy/);
    await refuse("logLevel=verbose", /logLevel/);
    await refuse("prometheus.servicemonitor.enable=true", /additional properties 'enable' not allowed/);
  });
});

describe("every values file renders objects the API server accepts", () => {
  const expected: Record<string, string[]> = {
    "default.yaml": ["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"],
    "minimal.yaml": ["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Deployment", "Service", "ServiceAccount"],
    "production.yaml": [
      "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Deployment", "PodDisruptionBudget", "PrometheusRule", "Role",
      "RoleBinding", "Service", "ServiceAccount", "ServiceMonitor",
    ],
    "crds-disabled.yaml": ["ClusterRole", "ClusterRoleBinding", "Deployment", "Role", "RoleBinding", "Service"],
  };

  it("has a fixture for each expectation", async () => {
    expect((await readdir(FIXTURES)).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))("%s", async (file) => {
    const ns = await freshNamespace(client, "chart");
    const objs = await template(ns, ["--values", join(FIXTURES, file)]);
    expect(kindsOf(objs)).toEqual(expected[file]);
    for (const o of objs) {
      if (resourceOf(o).namespaced) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(ns);
      await dryRunApply(o);
    }
  });
});

describe("what the default rendering holds", () => {
  let objs: Rendered[];
  beforeAll(async () => {
    objs = await template("cw-system");
  });

  it("runs the operator locked down: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp", () => {
    const pod = one(objs, "Deployment").spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: "RuntimeDefault" } });
    const c = pod.containers[0]!;
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(c.resources?.requests).toEqual({ cpu: "50m", memory: "192Mi" });
    // V8's heap capped below the container's limit (values.yaml nodeOptions).
    expect((c.env as { name: string; value?: string }[] | undefined)?.find((e) => e.name === "NODE_OPTIONS")?.value).toBe("--max-old-space-size=384 --max-semi-space-size=4");
    expect(c.args).toEqual([
      "--log-level=info", "--cluster-resource-namespace=cw-system", "--leader-elect=true", "--leader-election-namespace=cw-system",
      "--leader-election-id=certwright-controller", "--metrics-port=9402", "--public-port=9403", "--jwks-overlap=24h", "--acme-http01-port=8089", "--acme-solver-namespace=cw-system",
    ]);
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http-metrics" });
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http-metrics" });
    expect(c.image).toBe("ghcr.io/certwright/certwright:0.1.0");
  });

  it("renders the public listener (JWKS, OCSP, CRLs) with a Service of its own, apart from the probes' port", () => {
    const c = one(objs, "Deployment").spec.template.spec.containers[0]! as Container & { ports: unknown[]; readinessProbe: { httpGet: { port: string } } };
    expect(c.ports).toEqual([
      { name: "http-metrics", containerPort: 9402, protocol: "TCP" },
      { name: "http-public", containerPort: 9403, protocol: "TCP" },
      { name: "acme-http01", containerPort: 8089, protocol: "TCP" },
    ]);
    const services = find(objs, "Service");
    const pub = services.find((s) => (s.metadata.name ?? "").endsWith("-public")) as unknown as { spec: { ports: unknown[]; type: string } } | undefined;
    expect(pub?.spec.ports).toEqual([{ name: "http-public", port: 9403, targetPort: "http-public", protocol: "TCP" }]);
    expect(pub?.spec.type).toBe("ClusterIP");
    // Readiness and liveness never look at the public listener.
    expect(c.readinessProbe.httpGet.port).toBe("http-metrics");
  });

  it("grants the controller exactly what it reads and writes, and delete only on its trust-bundle ConfigMaps and the ACME solver's own routes", () => {
    expect(one(objs, "ClusterRole", "-controller").rules).toEqual([
      { apiGroups: ["certwright.dev"], resources: ["certificates", "raprofiles", "clusterraprofiles"], verbs: ["get", "list", "watch"] },
      { apiGroups: ["certwright.dev"], resources: ["certificates/status", "raprofiles/status", "clusterraprofiles/status"], verbs: ["patch", "update"] },
      { apiGroups: ["certwright.dev"], resources: ["certificates"], verbs: ["patch"] },
      { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch", "create", "update", "patch"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "delete"] },
      { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
      { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
    ]);
    expect(one(objs, "Role", "-leader-election").metadata.namespace).toBe("cw-system");
    expect(one(objs, "Role", "-leader-election").rules).toEqual([
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["certwright-controller"], verbs: ["get", "update"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    ]);
    for (const b of [one(objs, "ClusterRoleBinding"), one(objs, "RoleBinding", "-leader-election")]) {
      expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: "certwright", namespace: "cw-system" }]);
    }
    const all = [...find(objs, "ClusterRole"), ...find(objs, "Role")].flatMap((r) => r.rules ?? []);
    expect(all.flatMap((r) => [...r.verbs, ...r.resources, ...r.apiGroups])).not.toContain("*");
  });

  it("opens the ACME http-01 solver port with a Service of its own, and lets it write only its ConfigMap and routes", async () => {
    const c = one(objs, "Deployment").spec.template.spec.containers[0]!;
    expect(c.ports).toContainEqual({ name: "acme-http01", containerPort: 8089, protocol: "TCP" });
    expect(one(objs, "Service", "-acme-solver").spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "acme-http01", port: 8089, targetPort: "acme-http01", protocol: "TCP" }] });
    expect(one(objs, "Role", "-acme-solver").rules).toEqual([
      { apiGroups: [""], resources: ["configmaps"], resourceNames: ["certwright-acme-http01"], verbs: ["get", "patch"] },
      { apiGroups: [""], resources: ["configmaps"], verbs: ["create"] },
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["create", "delete"] },
      { apiGroups: ["gateway.networking.k8s.io"], resources: ["httproutes"], verbs: ["create", "delete"] },
    ]);
    const off = await template("cw-system", ["--set", "acmeSolver.enabled=false"]);
    expect(one(off, "Deployment").spec.template.spec.containers[0]!.args).toContain("--acme-http01-port=0");
    expect(find(off, "Service", "-acme-solver")).toEqual([]);
  });

  it("renders the CRDs of crds/ unchanged but for labels and the keep policy", async () => {
    const crds = find(objs, "CustomResourceDefinition");
    const sources = await Promise.all((await readdir(CRD_SOURCE)).sort().map(async (f) => parse(await readFile(join(CRD_SOURCE, f), "utf8")) as Rendered));
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(sources.map((c) => c.metadata.name).sort());
    for (const src of sources) {
      const got = crds.find((c) => c.metadata.name === src.metadata.name)!;
      expect(got.metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
      expect(got.metadata.labels?.["app.kubernetes.io/instance"]).toBe("certwright");
      const { labels: _l, annotations: _a, ...meta } = got.metadata;
      expect({ ...got, metadata: meta }).toEqual(src);
    }
    const notKept = await template("cw-system", ["--set", "crds.keep=false"]);
    for (const c of find(notKept, "CustomResourceDefinition")) expect(c.metadata.annotations).toBeUndefined();
  });
});

describe("what the other values files change", () => {
  it("production: two replicas, PDB, digest-pinned image, ServiceMonitor and the alerts", async () => {
    const objs = await template("cw-prod", ["--values", join(FIXTURES, "production.yaml")]);
    const dep = one(objs, "Deployment");
    expect(dep.spec.replicas).toBe(2);
    const c = dep.spec.template.spec.containers[0]!;
    expect(c.image).toBe("registry.example.com/platform/certwright@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    expect(c.args).toContain("--workers=8");
    expect(c.args).toContain("--cluster-resource-namespace=pki-system");
    expect(c.env).toContainEqual({ name: "NODE_OPTIONS", value: "--max-old-space-size=768 --max-semi-space-size=8" });
    expect(c.env).toContainEqual({ name: "UV_THREADPOOL_SIZE", value: "4" });
    expect(dep.spec.template.metadata.labels.team).toBe("platform");
    expect(dep.spec.template.metadata.annotations).toEqual({ "example.com/owner": "platform" }); // scraped by the ServiceMonitor, not annotations
    expect(one(objs, "PodDisruptionBudget").spec).toMatchObject({ minAvailable: 1 });
    expect(one(objs, "ServiceMonitor").spec.endpoints).toEqual([{ port: "http-metrics", path: "/metrics", interval: "60s", scrapeTimeout: "30s", honorLabels: false }]);
    const rules = one(objs, "PrometheusRule").spec.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.alert)).toEqual([
      "CertwrightCertificateNotReady", "CertwrightCertificateExpiringSoon", "CertwrightCertificateRenewalOverdue", "CertwrightIssuanceFailing",
      "CertwrightCAExpiringSoon", "CertwrightCRLStale",
    ]);
    // Revoked certificates are Ready=False by intent: not an incident.
    expect(rules[0]).toMatchObject({ expr: 'max by (namespace, name) (certwright_certificate_ready_reason{condition="False", reason!="Revoked"}) == 1', for: "10m" });
    expect(rules[1]!.expr).toContain("certwright_certificate_expiry_notice) == 1");
    expect(rules[4]!.expr).toBe("max by (kind, namespace, profile) (certwright_ca_expiry_notice) == 1");
    expect(rules[5]!.expr).toBe("time() > max by (kind, namespace, profile) (certwright_crl_next_update_timestamp_seconds)");
    expect(rules[0]!.annotations.summary).toBe("Certificate {{ $labels.namespace }}/{{ $labels.name }} is not Ready");
    for (const r of rules) expect(r.labels).toEqual({ severity: "critical", team: "platform" });
  });

  it("grafana.dashboard.enabled: the dashboard JSON as a ConfigMap with the sidecar's label; off by default", async () => {
    expect(find(await template("cw-system"), "ConfigMap")).toEqual([]);
    const objs = await template("cw-system", ["--set", "grafana.dashboard.enabled=true", "--set", "grafana.dashboard.namespace=monitoring"]);
    const cm = one(objs, "ConfigMap") as Rendered & { data: Record<string, string> };
    expect(cm.metadata).toMatchObject({ name: "certwright-dashboard", namespace: "monitoring", labels: { grafana_dashboard: "1" } });
    const shipped = JSON.parse(await readFile(join(CHART_DIR, "files", "dashboards", "certwright.json"), "utf8")) as { panels: unknown[] };
    expect(JSON.parse(cm.data["certwright.json"]!)).toEqual(shipped);
    expect(shipped.panels.length).toBeGreaterThan(8);
  });

  it("minimal: no leader election, no Lease Role, no scrape annotations", async () => {
    const objs = await template("cw-min", ["--values", join(FIXTURES, "minimal.yaml")]);
    const c = one(objs, "Deployment").spec.template.spec.containers[0]!;
    expect(c.args).toContain("--leader-elect=false");
    expect(c.args.join(" ")).not.toContain("--leader-election-namespace");
    expect(c.resources).toBeUndefined();
    expect(one(objs, "Deployment").spec.template.spec.nodeSelector).toBeUndefined();
    expect(find(objs, "Role")).toEqual([]);
    expect(one(objs, "Deployment").spec.template.metadata.annotations).toBeUndefined();
  });

  it("crds-disabled: no CRDs, and the bindings name the existing ServiceAccount", async () => {
    const objs = await template("cw-ext", ["--values", join(FIXTURES, "crds-disabled.yaml")]);
    expect(find(objs, "CustomResourceDefinition")).toEqual([]);
    expect(find(objs, "ServiceAccount")).toEqual([]);
    expect(one(objs, "Deployment").spec.template.spec.serviceAccountName).toBe("certwright-existing");
    expect(one(objs, "ClusterRoleBinding").subjects![0]!.name).toBe("certwright-existing");
    await expect(template("cw-ext", ["--set", "serviceAccount.create=false"])).rejects.toThrow(/serviceAccount.name is required/);
  });
});

describe("the kubectl bundle (deploy/certwright.yaml)", () => {
  it("equals a fresh rendering of the chart (run `npm run bundle` if this fails)", async () => {
    expect(await readFile(BUNDLE_PATH, "utf8")).toBe(await renderBundle(helm));
  });

  it("is accepted by the API server, its Namespace first", async () => {
    const objs = parseDocs(await readFile(BUNDLE_PATH, "utf8"));
    expect(objs[0]).toMatchObject({ kind: "Namespace", metadata: { name: BUNDLE_NAMESPACE } });
    // Namespaced objects can only be dry-run into a namespace that exists.
    await client.create<KubeObject>(NAMESPACES, { metadata: { name: BUNDLE_NAMESPACE } }).catch((e: unknown) => {
      if (!isAlreadyExists(e)) throw e;
    });
    for (const o of objs) await dryRunApply(o);
    expect(kindsOf(objs)).toContain("CustomResourceDefinition");
  });
});
