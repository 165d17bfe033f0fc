// The operator issuing through the acme connector from a real ACME server (Debian's pebble,
// validating for real: http-01 fetched from the operator's solver listener on loopback, names
// resolved by pebble-challtestsrv to 127.0.0.1): Ready with the server's chain, stable across reconciles although the server picks the validity,
// and revocation through ACME.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { inspectCertificate, splitPemBundle } from "../../src/pki/inspect.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { Http01Responder } from "../../src/connectors/acme/http01-responder.ts";
import { pebbleAvailable, startLoopbackDns, startPebble, type Pebble } from "../../src/connectors/testing/pebble.ts";
import { freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
let ns: string;
let pebble: Pebble;
let op: RunningOperator;
let dns: Awaited<ReturnType<typeof startLoopbackDns>>;
let solver: Awaited<ReturnType<Http01Responder["listen"]>>;

describe.runIf(pebbleAvailable)("acme connector in the operator (pebble)", () => {
  beforeAll(async () => {
    const http01 = new Http01Responder();
    solver = await http01.listen(0, "127.0.0.1");
    dns = await startLoopbackDns();
    pebble = await startPebble({ dnsServer: dns.address, httpPort: solver.port });
    ns = await freshNamespace(client, "acme");
    op = await startOperator({ namespace: ns, connectorDeps: { acmeHttp01: http01 } });
    await client.create<SecretObject>(SECRETS, { metadata: { name: "acme-ca", namespace: ns }, data: encodeSecretData({ "ca.crt": pebble.tlsCaPem }) });
    await client.create<KubeObject>(RA_PROFILES, {
      metadata: { name: "acme", namespace: ns },
      spec: {
        authority: {
          type: "acme",
          acme: { server: pebble.directoryUrl, accountKeySecretRef: { name: "acme-account" }, caBundleSecretRef: { name: "acme-ca", key: "ca.crt" }, solvers: { http01: {} } },
        },
        policy: { dnsNames: ["*.example.com"] },
      },
    } as KubeObject);
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "web", namespace: ns },
      spec: { raProfileRef: { name: "acme" }, type: "server", secretName: "web-tls", dnsNames: ["web.example.com", "www.example.com"], privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
  });

  afterAll(async () => {
    await op?.stop();
    await pebble?.stop();
    await dns?.stop();
    await solver?.close();
  });

  it("issues a certificate whose chain openssl verifies up to pebble's root", async () => {
    await waitReady(client, ns, "web");
    const data = await secretData(client, ns, "web-tls");
    const [leaf, ...chain] = splitPemBundle(data["tls.crt"]!);
    expect(inspectCertificate(leaf!).sans.dnsNames?.sort()).toEqual(["web.example.com", "www.example.com"]);
    await withFiles({ "root.pem": await pebble.issuingRoot(), "chain.pem": chain.join(""), "leaf.pem": leaf!, "key.pem": data["tls.key"]! }, async (p) => {
      const v = await openssl("verify", "-CAfile", p("root.pem"), "-untrusted", p("chain.pem"), p("leaf.pem"));
      expect(v.stdout + v.stderr).toContain(": OK");
      const certPub = await openssl("x509", "-in", p("leaf.pem"), "-noout", "-pubkey");
      const keyPub = await openssl("pkey", "-in", p("key.pem"), "-pubout");
      expect(certPub.stdout).toBe(keyPub.stdout);
    });
    expect(await client.find(SECRETS, ns, "acme-account")).toBeDefined();
  });

  it("does not re-issue on a later reconcile although the server chose the validity", async () => {
    const before = await getCert(client, ns, "web");
    const writes = op.secretWrites();
    await client.patch(SECRETS, ns, "web-tls", { metadata: { labels: { touched: "yes" } } });
    await op.forceReconcile(ns, "web");
    expect(op.secretWrites()).toBe(writes);
    expect((await getCert(client, ns, "web")).status!.revision).toBe(before.status!.revision);
  });

  it("revokes through ACME", async () => {
    await client.patch(CERTIFICATES, ns, "web", { spec: { revocation: { reason: "keyCompromise" } } });
    const r = await waitNotReady(client, ns, "web");
    expect(r.reason).toBe("Revoked");
    expect((await getCert(client, ns, "web")).status!.history![0]!.state).toBe("revoked");
  });
});
