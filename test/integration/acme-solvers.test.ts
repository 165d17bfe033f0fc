// ACME with real validation, end to end through the operator: Debian's pebble validates every
// challenge for real, resolving names through a real BIND on loopback. http-01 is answered by
// the operator's own solver listener, dns-01 by TSIG-signed RFC 2136 updates to that BIND, and
// a second pebble requires external account binding. The per-challenge Ingress and Gateway API
// HTTPRoute are made against the real API server, the HTTPRoute judged by the CRD the Gateway
// API module publishes (test/harness/gateway-api.ts). pebble's VA reaches a *follower's*
// listener, which answers from the ConfigMap the leader publishes pending answers in. A challenge the CA cannot validate shows
// as Ready=False with the CA's problem type and detail, backed off rather than retried at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Http01Solver } from "../../src/api/acme-solvers.ts";
import { Http01Responder } from "../../src/connectors/acme/http01-responder.ts";
import { ConfigMapSharedAnswers, HTTP_ROUTES, INGRESSES, kubeHttp01Routes } from "../../src/kube/acme-http01.ts";
import { Rfc2136Client } from "../../src/connectors/acme/dns/rfc2136.ts";
import { bindAvailable, startBind, type Bind } from "../../src/connectors/testing/bind.ts";
import { pebbleAvailable, startPebble, type Pebble } from "../../src/connectors/testing/pebble.ts";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { CONFIG_MAPS, SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { inspectCertificate, splitPemBundle } from "../../src/pki/inspect.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { installHttpRouteCrd } from "../harness/gateway-api.ts";
import { getCert, readyOf, secretData, startOperator, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
const EAB_KID = "kid-certwright";
const EAB_KEY = Buffer.alloc(32, 0x5a).toString("base64url");
let ns: string;
let bind: Bind;
let pebble: Pebble;
let eabPebble: Pebble;
let op: RunningOperator;
let responder: Http01Responder;
let follower: Http01Responder;
const ingressesSeen: KubeObject[] = [];
const httpRoutesSeen: KubeObject[] = [];
let listener: Awaited<ReturnType<Http01Responder["listen"]>>;

function acmeProfile(name: string, server: string, extra: Record<string, unknown>): KubeObject {
  return {
    metadata: { name, namespace: ns },
    spec: {
      authority: {
        type: "acme",
        acme: { server, accountKeySecretRef: { name: `${name}-account` }, caBundleSecretRef: { name: "acme-ca", key: "ca.crt" }, ...extra },
      },
      policy: { dnsNames: ["*.example.test", "example.test"] },
    },
  } as KubeObject;
}

function certificate(name: string, profile: string, dnsNames: string[]): KubeObject {
  return {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: profile }, type: "server", secretName: `${name}-tls`, dnsNames, privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject;
}

/** Ready, names as asked, and openssl verifies leaf -> chain -> the root pebble reports on its management port. */
async function expectVerified(p: Pebble, name: string, dnsNames: string[]): Promise<void> {
  // On a timeout the last condition is in the error: a failed validation says why.
  await eventually(async () => {
    const r = readyOf(await getCert(client, ns, name));
    if (r?.status === "True") return true;
    throw new Error(`${name}: ${JSON.stringify(r)}`);
  }, 90_000, `${name} Ready`);
  const data = await secretData(client, ns, `${name}-tls`);
  const [leaf, ...chain] = splitPemBundle(data["tls.crt"]!);
  expect(inspectCertificate(leaf!).sans.dnsNames?.sort()).toEqual([...dnsNames].sort());
  await withFiles({ "root.pem": await p.issuingRoot(), "chain.pem": chain.join(""), "leaf.pem": leaf! }, async (f) => {
    const v = await openssl("verify", "-CAfile", f("root.pem"), "-untrusted", f("chain.pem"), f("leaf.pem"));
    expect(v.stdout + v.stderr).toContain(": OK");
  });
}

describe.runIf(pebbleAvailable && bindAvailable)("acme solvers with real validation (pebble + BIND)", () => {
  beforeAll(async () => {
    bind = await startBind("example.test");
    await installHttpRouteCrd();
    ns = await freshNamespace(client, "acme-solvers");
    // The leader (the operator under test) answers in memory and in the ConfigMap; pebble asks
    // the follower, which only has the ConfigMap: as behind a Service that selects both.
    responder = new Http01Responder({ shared: new ConfigMapSharedAnswers(client, ns) });
    follower = new Http01Responder({ shared: new ConfigMapSharedAnswers(client, ns) });
    listener = await follower.listen(0, "127.0.0.1");
    pebble = await startPebble({ dnsServer: bind.address, httpPort: listener.port });
    eabPebble = await startPebble({ dnsServer: bind.address, httpPort: listener.port, eab: { [EAB_KID]: EAB_KEY } });
    // Routes made per challenge, read back from the API server while the challenge is pending.
    const routes = kubeHttp01Routes(client, ns);
    const acmeHttp01Routes = (solver: Http01Solver) => {
      const route = routes(solver);
      return route && {
        expose: async (c: Parameters<typeof route.expose>[0]) => {
          await route.expose(c);
          const [kind, seen] = solver.gatewayHTTPRoute ? [HTTP_ROUTES, httpRoutesSeen] : [INGRESSES, ingressesSeen];
          seen.push(...(await client.list<KubeObject>(kind, { namespace: ns, labelSelector: "certwright.dev/acme-http01=route" })).items);
        },
        withdraw: (c: Parameters<typeof route.withdraw>[0]) => route.withdraw(c),
      };
    };
    op = await startOperator({ namespace: ns, connectorDeps: { acmeHttp01: responder, acmeHttp01Routes } });
    const secret = (name: string, data: Record<string, string>) =>
      client.create<SecretObject>(SECRETS, { metadata: { name, namespace: ns }, data: encodeSecretData(data) });
    await secret("acme-ca", { "ca.crt": pebble.tlsCaPem + eabPebble.tlsCaPem });
    await secret("tsig", { secret: bind.keySecret });
    await secret("eab", { key: EAB_KEY });
    const dns01 = {
      rfc2136: { nameserver: bind.address, zone: "example.test", tsigKeyName: bind.keyName, tsigSecretSecretRef: { name: "tsig", key: "secret" }, propagationTimeoutSeconds: 30 },
    };
    await client.create<KubeObject>(RA_PROFILES, acmeProfile("http01", pebble.directoryUrl, { solvers: { http01: {} } }));
    const ingress = { className: "public", service: { name: "certwright-acme-solver", port: 8089 }, annotations: { "example.com/tls": "off" } };
    await client.create<KubeObject>(RA_PROFILES, acmeProfile("http01-ingress", pebble.directoryUrl, { solvers: { http01: { ingress } } }));
    const gatewayHTTPRoute = { parentRefs: [{ name: "public", namespace: "gateways", sectionName: "http" }], service: { name: "certwright-acme-solver", port: 8089 } };
    await client.create<KubeObject>(RA_PROFILES, acmeProfile("http01-route", pebble.directoryUrl, { solvers: { http01: { gatewayHTTPRoute } } }));
    await client.create<KubeObject>(RA_PROFILES, acmeProfile("dns01", pebble.directoryUrl, { solvers: { dns01 } }));
    await client.create<KubeObject>(
      RA_PROFILES,
      acmeProfile("eab", eabPebble.directoryUrl, { solvers: { http01: {} }, externalAccountBinding: { keyID: EAB_KID, keySecretRef: { name: "eab", key: "key" } } }),
    );
    await client.create<KubeObject>(RA_PROFILES, acmeProfile("eab-missing", eabPebble.directoryUrl, { solvers: { http01: {} } }));
  }, 120_000);

  afterAll(async () => {
    await op?.stop();
    await pebble?.stop();
    await eabPebble?.stop();
    await listener?.close();
    await bind?.stop();
  });

  it("http-01: pebble fetches the answer from a follower's solver listener (the leader's ConfigMap); the chain verifies to pebble's root", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("web", "http01", ["web.example.test", "www.example.test"]));
    await expectVerified(pebble, "web", ["web.example.test", "www.example.test"]);
    expect(responder.pending).toBe(0); // answers served only while the challenge was pending
    expect(await follower.answer("/.well-known/acme-challenge/none-of-these-tokens")).toBeUndefined();
    const shared = await client.get<KubeObject & { data?: Record<string, string> }>(CONFIG_MAPS, ns, "certwright-acme-http01");
    expect(shared.data ?? {}).toEqual({}); // every answer withdrawn once its challenge was decided
  });

  it("http-01 with an Ingress per challenge: created for the name and token while pending, deleted after", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("routed", "http01-ingress", ["routed.example.test"]));
    await expectVerified(pebble, "routed", ["routed.example.test"]);
    expect(ingressesSeen).toHaveLength(1);
    const seen = ingressesSeen[0] as KubeObject & { spec: { ingressClassName: string; rules: { host: string; http: { paths: { path: string; pathType: string; backend: unknown }[] } }[] } };
    expect(seen.metadata.annotations).toEqual({ "example.com/tls": "off" });
    expect(seen.spec.ingressClassName).toBe("public");
    expect(seen.spec.rules[0]!.host).toBe("routed.example.test");
    expect(seen.spec.rules[0]!.http.paths[0]).toMatchObject({
      path: expect.stringMatching(/^\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]{16,}$/) as unknown,
      pathType: "Exact",
      backend: { service: { name: "certwright-acme-solver", port: { number: 8089 } } },
    });
    const left = await client.list<KubeObject>(INGRESSES, { namespace: ns, labelSelector: "certwright.dev/acme-http01=route" });
    expect(left.items).toEqual([]);
  });

  it("http-01 with a Gateway API HTTPRoute per challenge: accepted by the real CRD, parentRefs, hostname, path and backend as asked, deleted after", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("gw", "http01-route", ["gw.example.test"]));
    // No Gateway serves here: pebble's VA reaches the solver listener directly, as for the Ingress.
    await expectVerified(pebble, "gw", ["gw.example.test"]);
    expect(httpRoutesSeen).toHaveLength(1);
    type Route = KubeObject & {
      apiVersion: string;
      spec: { parentRefs: unknown[]; hostnames: string[]; rules: { matches: { path: { type: string; value: string } }[]; backendRefs: unknown[] }[] };
    };
    const seen = httpRoutesSeen[0] as Route;
    expect(seen.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(seen.metadata.namespace).toBe(ns);
    // As stored by the API server: the CRD's defaults (group, kind, weight) filled in.
    expect(seen.spec.parentRefs).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "gateways", sectionName: "http" }]);
    expect(seen.spec.hostnames).toEqual(["gw.example.test"]);
    expect(seen.spec.rules).toHaveLength(1);
    expect(seen.spec.rules[0]!.matches).toEqual([{ path: { type: "Exact", value: expect.stringMatching(/^\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]{16,}$/) as unknown } }]);
    expect(seen.spec.rules[0]!.backendRefs).toEqual([{ group: "", kind: "Service", name: "certwright-acme-solver", port: 8089, weight: 1 }]);
    const left = await client.list<KubeObject>(HTTP_ROUTES, { namespace: ns, labelSelector: "certwright.dev/acme-http01=route" });
    expect(left.items).toEqual([]);
    // The schema is the real one: what it forbids, the API server refuses (CEL: a Service backend needs a port).
    const bad = { metadata: { name: "no-port", namespace: ns }, spec: { parentRefs: [{ name: "public" }], rules: [{ backendRefs: [{ name: "certwright-acme-solver" }] }] } } as KubeObject;
    await expect(client.create<KubeObject>(HTTP_ROUTES, bad)).rejects.toThrow(/port/i);
  });

  it("dns-01: TXT records made by TSIG-signed updates to BIND, a wildcard among them, removed afterwards", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("wild", "dns01", ["*.example.test", "example.test"]));
    await expectVerified(pebble, "wild", ["*.example.test", "example.test"]);
    const dns = new Rfc2136Client({ host: "127.0.0.1", port: bind.port, zone: bind.zone, key: { name: bind.keyName, secret: Buffer.from(bind.keySecret, "base64") }, now: () => new Date() });
    expect(await dns.queryTxt("_acme-challenge.example.test")).toEqual([]);
  });

  it("EAB: an account bound with the CA's kid and MAC key issues; without a binding the CA's refusal is shown", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("bound", "eab", ["bound.example.test"]));
    await expectVerified(eabPebble, "bound", ["bound.example.test"]);
    await client.create<KubeObject>(CERTIFICATES, certificate("unbound", "eab-missing", ["unbound.example.test"]));
    const ready = await eventually(async () => {
      const r = readyOf(await getCert(client, ns, "unbound"));
      return r?.status === "False" && r.reason !== "Pending" && /externalAccount|binding/i.test(r.message) ? r : undefined;
    }, 60_000, "unbound Ready=False naming the missing binding");
    expect(ready.message).toMatch(/ACME server:/);
  });

  it("a challenge the CA cannot reach: Ready=False with the problem type and detail, retried only after a back-off", async () => {
    await client.create<KubeObject>(CERTIFICATES, certificate("lost", "http01", ["unreachable.example.test"]));
    const r = await eventually(async () => {
      const c = readyOf(await getCert(client, ns, "lost"));
      return c?.status === "False" && c.reason === "connection" ? c : undefined;
    }, 90_000, "lost Ready=False reason connection");
    expect(r.message).toContain("challenge http-01 for unreachable.example.test failed: urn:ietf:params:acme:error:connection:");
    expect(r.message).toContain("127.0.0.2");
    const status = (await getCert(client, ns, "lost")).status!;
    expect(status.failedIssuanceAttempts).toBe(1);
    expect(status.nextRetryTime).toBeDefined();
    // No tight loop: a forced reconcile before the back-off ends starts no new order.
    await op.forceReconcile(ns, "lost");
    expect((await getCert(client, ns, "lost")).status!.failedIssuanceAttempts).toBe(1);
  });
});
