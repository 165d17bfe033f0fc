// The acme connector against a second real ACME server: step-ca's ACME provisioner, validating
// http-01 for real. step-ca resolves every name through pebble-challtestsrv (each A record is
// 127.0.0.1, its --resolver) and fetches the answer from the operator's solver listener (its
// --acme-http-port). step-ca serves ACME over HTTPS with its own root, which the profile trusts
// through its CA bundle Secret; the issued chain verifies with openssl against that same root.
// A wrong answer shows step-ca's problem document (step-ca leaves the authorization pending).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Http01Responder } from "../../src/connectors/acme/http01-responder.ts";
import { pebbleAvailable, startLoopbackDns } from "../../src/connectors/testing/pebble.ts";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { inspectCertificate, splitPemBundle } from "../../src/pki/inspect.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, readyOf, secretData, startOperator, type RunningOperator } from "../harness/operator.ts";
import { startStepCa, type StepCa } from "../harness/step-ca.ts";

const client = testClient();
const NAMES = ["app.example.test", "www.example.test"];
/** A name whose answer the listener corrupts, as a misrouted proxy would. */
const WRONG = "wrong.example.test";
let ns: string;
let ca: StepCa;
let op: RunningOperator;
let dns: Awaited<ReturnType<typeof startLoopbackDns>>;
let http01: Http01Responder;
let solver: Server;
/** Every request step-ca's validator made to the solver listener: Host header, path, status. */
const served: { host: string; path: string; status: number }[] = [];

/** The operator's solver on a loopback port, recording what step-ca asked (the validation itself). */
function listenRecording(responder: Http01Responder): Promise<Server> {
  const server = createServer((req, res) => {
    res.on("finish", () => served.push({ host: req.headers.host ?? "", path: req.url ?? "", status: res.statusCode }));
    if ((req.headers.host ?? "").startsWith(`${WRONG}:`)) {
      res.writeHead(200, { "content-type": "application/octet-stream" }).end("not-the-key-authorization");
      return;
    }
    responder.handle(req, res).catch(() => res.destroy());
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// pebble-challtestsrv is the loopback DNS; without Debian's pebble this file shows as skipped.
describe.runIf(pebbleAvailable)("acme connector against step-ca's ACME provisioner (real http-01)", () => {
  beforeAll(async () => {
    http01 = new Http01Responder();
    solver = await listenRecording(http01);
    dns = await startLoopbackDns();
    // The first run builds step-ca into ~/.cache/certwright (a failed build fails this file).
    ca = await startStepCa({ acme: { httpPort: (solver.address() as AddressInfo).port, resolver: dns.address } });
    ns = await freshNamespace(client, "acme-stepca");
    op = await startOperator({ namespace: ns, connectorDeps: { acmeHttp01: http01 } });
    await client.create<SecretObject>(SECRETS, { metadata: { name: "step-root", namespace: ns }, data: encodeSecretData({ "ca.crt": ca.rootPem }) });
    await client.create<KubeObject>(RA_PROFILES, {
      metadata: { name: "step-acme", namespace: ns },
      spec: {
        authority: {
          type: "acme",
          acme: {
            server: ca.acmeDirectoryUrl!,
            accountKeySecretRef: { name: "step-acme-account" },
            caBundleSecretRef: { name: "step-root", key: "ca.crt" },
            solvers: { http01: {} },
          },
        },
        policy: { dnsNames: ["*.example.test"] },
      },
    } as KubeObject);
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "app", namespace: ns },
      spec: { raProfileRef: { name: "step-acme" }, type: "server", secretName: "app-tls", dnsNames: NAMES, privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
  }, 45 * 60_000); // the first run builds step-ca

  afterAll(async () => {
    await op?.stop();
    await ca?.stop();
    await dns?.stop();
    solver?.closeAllConnections();
    await new Promise((r) => (solver ? solver.close(r) : r(undefined)));
  });

  it("issues after step-ca fetched each http-01 answer from the solver listener; openssl verifies the chain to step-ca's root", async () => {
    // On a timeout the last condition (and step-ca's log tail) is in the error.
    await eventually(async () => {
      const r = readyOf(await getCert(client, ns, "app"));
      if (r?.status === "True") return true;
      throw new Error(`app: ${JSON.stringify(r)}\nstep-ca:\n${ca.logs().slice(-2000)}`);
    }, 120_000, "app Ready");
    const data = await secretData(client, ns, "app-tls");
    const [leaf, ...chain] = splitPemBundle(data["tls.crt"]!);
    expect(inspectCertificate(leaf!).sans.dnsNames?.sort()).toEqual([...NAMES].sort());
    expect(chain.length).toBeGreaterThan(0); // step-ca's intermediate comes with the leaf
    await withFiles({ "root.pem": ca.rootPem, "chain.pem": chain.join(""), "leaf.pem": leaf!, "key.pem": data["tls.key"]! }, async (f) => {
      const v = await openssl("verify", "-CAfile", f("root.pem"), "-untrusted", f("chain.pem"), f("leaf.pem"));
      expect(v.stdout + v.stderr).toContain(": OK");
      const certPub = await openssl("x509", "-in", f("leaf.pem"), "-noout", "-pubkey");
      const keyPub = await openssl("pkey", "-in", f("key.pem"), "-pubout");
      expect(certPub.stdout).toBe(keyPub.stdout);
    });
    // step-ca validated for real: it fetched each name's answer from the listener, with 200.
    const answered = served.filter((r) => r.status === 200 && r.path.startsWith("/.well-known/acme-challenge/"));
    expect([...new Set(answered.map((r) => r.host.replace(/:\d+$/, "")))].sort()).toEqual([...NAMES].sort());
    expect(http01.pending).toBe(0); // answers served only while their challenge was pending
    expect(await client.find(SECRETS, ns, "step-acme-account")).toBeDefined();
  });

  it("a wrong http-01 answer: Ready=False and Stalled with step-ca's problem type and detail", async () => {
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "wrong", namespace: ns },
      spec: { raProfileRef: { name: "step-acme" }, type: "server", secretName: "wrong-tls", dnsNames: [WRONG], privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
    const r = await eventually(async () => {
      const c = readyOf(await getCert(client, ns, "wrong"));
      if (c?.status === "False" && c.reason !== "Pending" && /urn:ietf:params:acme:error:/.test(c.message)) return c;
      throw new Error(`wrong: ${JSON.stringify((await getCert(client, ns, "wrong")).status)}\nserved: ${JSON.stringify(served.slice(-4))}\nstep-ca:\n${ca.logs().slice(-3000)}`);
    }, 90_000, "wrong Ready=False with the CA's problem");
    // step-ca marks the challenge invalid and leaves the authorization pending: still a failure, not a poll timeout.
    expect(r.reason).toBe("rejectedIdentifier");
    expect(r.message).toBe(
      `ACME server: challenge http-01 for ${WRONG} failed: urn:ietf:params:acme:error:rejectedIdentifier: The server will not issue certificates for the identifier`,
    );
    expect(served.some((q) => q.host.startsWith(`${WRONG}:`) && q.status === 200)).toBe(true); // step-ca fetched the wrong answer
    // The CA refused the request as made: Stalled, not a poll timeout backing off.
    const stalled = (await getCert(client, ns, "wrong")).status!.conditions!.find((c) => c.type === "Stalled");
    expect(stalled).toMatchObject({ status: "True", reason: "rejectedIdentifier" });
    // Sent once: forced reconciles start no new order before the recheck time (status.refusedRequest).
    const orders = () => ca.logs().match(/new-order/g)?.length ?? 0;
    const before = orders();
    expect(before).toBeGreaterThan(0);
    await op.forceReconcile(ns, "wrong");
    await op.forceReconcile(ns, "wrong");
    expect(orders()).toBe(before);
    expect((await getCert(client, ns, "wrong")).status).toHaveProperty("refusedRequest.generation", 1);
  }, 150_000);
});
