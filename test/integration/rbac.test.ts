// The chart's RBAC is enough and no more: the rendered ServiceAccount, ClusterRole(Binding) and
// Role(Binding) are installed for real, then the operator runs in-process as that ServiceAccount
// (impersonation; the API server adds the ServiceAccount's groups) with leader election on, issues
// the examples, publishes CRLs, revokes on delete through its finalizer, and is refused (403)
// everything the chart does not grant.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { isForbidden } from "../../src/kube/errors.ts";
import { KubeLeaseStore } from "../../src/kube/lease-store.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { CONFIG_MAPS, EVENTS, LEASES, NAMESPACES, SECRETS, collectionPath, objectPath, type ResourceType } from "../../src/kube/resources.ts";
import { KubeRest } from "../../src/kube/rest.ts";
import { captureLogger } from "../../src/observability/log-capture.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { createOperator, type Operator } from "../../src/operator.ts";
import { systemClock } from "../../src/runtime/clock.ts";
import { LeaderElector } from "../../src/runtime/leader-election.ts";
import { resolveBinaries } from "../../tools/control-plane/binaries.ts";
import { CHART_DIR } from "../../tools/bundle.ts";
import { eventually, freshNamespace, kubeConfig, testClient } from "../harness/cluster.ts";
import { applyExamples, waitReady } from "../harness/operator.ts";

const run = promisify(execFile);
const admin = testClient();
const RBAC = "rbac.authorization.k8s.io";
const rt = (group: string, plural: string, kind: string, namespaced: boolean): ResourceType => ({ group, version: "v1", plural, kind, namespaced });
const KINDS: Record<string, ResourceType> = {
  ServiceAccount: rt("", "serviceaccounts", "ServiceAccount", true),
  ClusterRole: rt(RBAC, "clusterroles", "ClusterRole", false),
  ClusterRoleBinding: rt(RBAC, "clusterrolebindings", "ClusterRoleBinding", false),
  Role: rt(RBAC, "roles", "Role", true),
  RoleBinding: rt(RBAC, "rolebindings", "RoleBinding", true),
};

const release = `certwright-${randomBytes(3).toString("hex")}`; // contains the chart name, so it is the full name too
let releaseNs: string;
let appNs: string;
let serviceAccount: string;
let installed: KubeObject[] = [];
let asOperator: KubeClient;
let op: Operator | undefined;
const capture = captureLogger("debug");

async function installRbac(): Promise<KubeObject[]> {
  const { helm } = await resolveBinaries("helm");
  const { stdout } = await run(helm!, [
    "template", release, CHART_DIR, "--namespace", releaseNs,
    "--set", "crds.enabled=false", "--set", "prometheus.enabled=false", "--set", "rbac.aggregateClusterRoles=false",
  ]);
  const objs = parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject).filter((o) => o?.kind && KINDS[o.kind]);
  // The Lease Role and the ACME solver's Role (its ConfigMap and per-challenge routes), each with its binding.
  expect(objs.map((o) => o.kind).sort()).toEqual(["ClusterRole", "ClusterRoleBinding", "Role", "Role", "RoleBinding", "RoleBinding", "ServiceAccount"]);
  for (const o of objs) {
    const r = KINDS[o.kind!]!;
    await admin.patch(r, o.metadata.namespace, o.metadata.name ?? "", o, { type: "apply", force: true });
  }
  return objs;
}

/** Expects the call to be refused with 403 Forbidden. */
async function refused(what: string, call: () => Promise<unknown>): Promise<void> {
  const outcome = await call().then(() => "allowed", (e: unknown) => (isForbidden(e) ? "forbidden" : `failed: ${(e as Error).message}`));
  expect(outcome, what).toBe("forbidden");
}

beforeAll(async () => {
  releaseNs = await freshNamespace(admin, "rbac-sys");
  appNs = await freshNamespace(admin, "rbac-app");
  serviceAccount = `system:serviceaccount:${releaseNs}:${release}`;
  installed = await installRbac();
  asOperator = new KubeClient(new KubeRest(kubeConfig(), { impersonate: { user: serviceAccount } }));
  // The API server's RBAC cache picks new bindings up within moments.
  await eventually(() => asOperator.list(CERTIFICATES, { namespace: appNs }).then(() => true), 10_000, "RBAC to apply");

  const elector = new LeaderElector({
    store: new KubeLeaseStore(asOperator, releaseNs, `${release}-controller`), identity: "rbac-test", clock: systemClock, log: capture.log,
  });
  op = createOperator({
    client: asOperator, clock: systemClock, log: capture.log, metrics: createMetrics(), namespace: appNs,
    clusterResourceNamespace: releaseNs, leaderGate: elector,
  });
  await op.start();
  await applyExamples(admin, appNs, ["00-ra-profile-local.yaml", "certificate-server.yaml"]);
});

afterAll(async () => {
  await op?.stop();
  for (const o of installed.filter((x) => !KINDS[x.kind!]!.namespaced)) await admin.delete(KINDS[o.kind!]!, undefined, o.metadata.name ?? "");
});

describe("the operator as its ServiceAccount", () => {
  it("is the ServiceAccount with the groups of one", async () => {
    const review = await asOperator.rest.request<{ status: { userInfo: { username: string; groups: string[] } } }>(
      "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
    );
    expect(review.status.userInfo.username).toBe(serviceAccount);
    expect(review.status.userInfo.groups.sort()).toEqual(["system:authenticated", "system:serviceaccounts", `system:serviceaccounts:${releaseNs}`]);
  });

  it("leads through the Lease its Role allows, publishes the profile's CRL and issues the examples", async () => {
    const profile = await eventually(async () => {
      const p = await admin.get<KubeObject & { status?: { conditions?: { type: string; status: string; message: string }[] } }>(RA_PROFILES, appNs, "local-ca");
      const ready = p.status?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === "True" ? p : undefined;
    }, 30_000, "RAProfile local-ca Ready");
    expect(profile.metadata.name).toBe("local-ca");
    expect(await admin.find(CONFIG_MAPS, appNs, "local-ca-crl")).toBeDefined();
    const cert = await waitReady(admin, appNs, "example-server");
    expect(cert.status?.revision).toBe(1);
    const secret = await admin.get<KubeObject & { data: Record<string, string> }>(SECRETS, appNs, "example-server-tls");
    expect(Object.keys(secret.data)).toEqual(expect.arrayContaining(["tls.crt", "tls.key", "ca.crt"]));
    const lease = await admin.get<KubeObject & { spec: { holderIdentity: string; renewTime: string } }>(LEASES, releaseNs, `${release}-controller`);
    expect(lease.spec.holderIdentity).toBe("rbac-test");
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const events = await eventually(async () => {
      const list = await admin.list<KubeObject & { regarding?: { name?: string }; reason?: string }>(EVENTS, { namespace: appNs });
      const mine = list.items.filter((e) => e.regarding?.name === "example-server");
      return mine.length ? mine : undefined;
    }, 10_000, "an Event on example-server");
    expect(events.length).toBeGreaterThan(0);
    const denied = capture.raw.filter((l) => /forbidden/i.test(l));
    expect(denied, "the operator was refused something it needs").toEqual([]);
  });

  it("adds and removes the revoke-on-delete finalizer, so a deleted Certificate is revoked and goes", async () => {
    await admin.create(RA_PROFILES, {
      metadata: { name: "revoking", namespace: appNs },
      spec: { authority: { type: "local", local: { caSecretName: "revoking-ca", generate: true } }, revocation: { onDelete: "Revoke" } },
    } as KubeObject);
    await admin.create(CERTIFICATES, {
      metadata: { name: "short-lived", namespace: appNs },
      spec: { raProfileRef: { name: "revoking" }, type: "client", secretName: "short-lived-tls", subject: { commonName: "short-lived" }, privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
    await waitReady(admin, appNs, "short-lived");
    expect((await admin.get(CERTIFICATES, appNs, "short-lived")).metadata.finalizers).toContain("certwright.dev/revoke-on-delete");
    await admin.delete(CERTIFICATES, appNs, "short-lived");
    await eventually(async () => ((await admin.find(CERTIFICATES, appNs, "short-lived")) ? undefined : true), 30_000, "the Certificate to go");
    expect(await admin.find(SECRETS, appNs, "short-lived-tls")).toBeDefined(); // Secrets are kept
    expect(capture.raw.filter((l) => /forbidden/i.test(l))).toEqual([]);
  });
});

describe("trust distribution under the chart's RBAC", () => {
  it("publishes a profile's trust bundle ConfigMap, and deletes it when spec.trust goes", async () => {
    await admin.patch(RA_PROFILES, appNs, "local-ca", { spec: { trust: { configMapName: "local-ca-trust", includeCRL: true } } });
    const cm = await eventually(async () => {
      const got = await admin.find<KubeObject & { data?: Record<string, string> }>(CONFIG_MAPS, appNs, "local-ca-trust");
      return got?.data?.["ca.crl"] ? got : undefined;
    }, 30_000, "the trust bundle with its CRL");
    expect(cm.data?.["ca.crt"]).toContain("BEGIN CERTIFICATE");
    await admin.patch(RA_PROFILES, appNs, "local-ca", { spec: { trust: null } });
    await eventually(async () => ((await admin.find(CONFIG_MAPS, appNs, "local-ca-trust")) ? undefined : true), 30_000, "the bundle to go");
    expect(capture.raw.filter((l) => /forbidden/i.test(l))).toEqual([]);
  });
});

describe("what the chart does not grant is refused", () => {
  it("deleting, and touching anything but its own kinds, Secrets, Events and Lease", async () => {
    await refused("delete a Namespace", () => asOperator.delete(NAMESPACES, undefined, appNs));
    await refused("delete a certificate Secret", () => asOperator.delete(SECRETS, appNs, "example-server-tls"));
    await refused("delete a Certificate", () => asOperator.delete(CERTIFICATES, appNs, "example-server"));
    // patch on certificates is granted for the finalizer (RBAC cannot narrow it to metadata); replacing is not.
    await refused("replace a Certificate", async () =>
      asOperator.replace(CERTIFICATES, await admin.get<KubeObject>(CERTIFICATES, appNs, "example-server")));
    await refused("create a ClusterRole", () =>
      asOperator.create(KINDS.ClusterRole!, { metadata: { name: `${release}-escalate` }, rules: [] } as KubeObject));
    await refused("bind itself to cluster-admin", () =>
      asOperator.create(KINDS.ClusterRoleBinding!, {
        metadata: { name: `${release}-escalate` },
        roleRef: { apiGroup: RBAC, kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", name: release, namespace: releaseNs }],
      } as KubeObject));
    await refused("create a Lease outside its namespace", () =>
      asOperator.create(LEASES, { metadata: { name: "x", namespace: appNs }, spec: {} } as KubeObject));
    await refused("read another Lease in its namespace", () => asOperator.get(LEASES, releaseNs, "someone-else"));
    await refused("list Pods", () => asOperator.rest.request("GET", collectionPath(rt("", "pods", "Pod", true))));
    await refused("mint a token for its ServiceAccount", () =>
      asOperator.rest.request("POST", `${objectPath(KINDS.ServiceAccount!, releaseNs, release)}/token`, {
        body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} },
      }));
  });

  it("but may list every Secret: RBAC cannot restrict list/watch by label", async () => {
    await expect(asOperator.list(SECRETS, { labelSelector: "certwright.dev/certificate-name" })).resolves.toBeDefined();
  });
});
