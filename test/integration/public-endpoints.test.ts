// The public listener on the real control plane: JWK Sets at stable URLs with rotation overlap
// (fake clock), immediate removal on revocation, ETag/304; OCSP asked by the real openssl
// (good, revoked with reason, unknown, nonce, delegated responder); CRLs on the public port and
// still on the metrics port.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { CONFIG_MAPS } from "../../src/kube/resources.ts";
import { startHealthServer, type HealthServer } from "../../src/observability/http-server.ts";
import { createMetrics } from "../../src/observability/metrics.ts";
import { startPublicServer, type PublicServer } from "../../src/observability/public-server.ts";
import { inspectCertificate } from "../../src/pki/inspect.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
const H = 3600_000;
let ns: string;
let op: RunningOperator;
let pub: PublicServer;
let metricsPort: HealthServer;
let base: string;

interface Jwk {
  kid: string;
  [k: string]: unknown;
}

const signing = (name: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns, labels },
    spec: { raProfileRef: { name: "ca" }, type: "signing", secretName: `${name}-tls`, subject: { commonName: name }, privateKey: { algorithm: "ECDSA", size: 256 }, jwks: { enabled: true }, ...extra },
  } as KubeObject);

async function jwks(path: string): Promise<{ status: number; kids: string[]; etag: string | null; cache: string | null; keys: Jwk[] }> {
  const res = await fetch(`${base}${path}`);
  const body = res.status === 200 ? ((await res.json()) as { keys: Jwk[] }) : { keys: [] };
  return { status: res.status, kids: body.keys.map((k) => k.kid), etag: res.headers.get("etag"), cache: res.headers.get("cache-control"), keys: body.keys };
}

const kidOf = async (name: string) => (JSON.parse((await secretData(client, ns, `${name}-tls`))["jwks.json"]!) as { keys: Jwk[] }).keys[0]!.kid;

beforeAll(async () => {
  ns = await freshNamespace(client, "pub");
  op = await startOperator({ namespace: ns, jwksOverlapMs: 24 * H });
  pub = await startPublicServer({ port: 0, host: "127.0.0.1", routes: op.operator.publicRoutes });
  metricsPort = await startHealthServer({ port: 0, host: "127.0.0.1", registry: createMetrics().registry, isReady: () => true, isHealthy: () => true, routes: { "/crl/*": op.operator.crls.route() } });
  base = `http://127.0.0.1:${pub.port}`;
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "ca", namespace: ns },
    spec: { authority: { type: "local", local: { caSecretName: "pub-ca", ocspServers: [`${base}/ocsp/${ns}/ca`] } }, revocation: { onSupersede: "Retain", onDelete: "Retain" } },
  } as KubeObject);
});

afterAll(async () => {
  await pub?.close();
  await metricsPort?.close();
  await op?.stop();
});

describe("JWKS over HTTP", () => {
  it("serves a Certificate's set at a stable URL, keeps the superseded key for the overlap after a rekey, then drops it", async () => {
    await signing("sig");
    await waitReady(client, ns, "sig");
    const first = await kidOf("sig");
    const a = await eventually(async () => {
      const j = await jwks(`/jwks/${ns}/sig.json`);
      return j.kids.length === 1 ? j : undefined;
    }, 20_000, "the first set");
    expect(a.kids).toEqual([first]);
    expect(a.cache).toBe("public, max-age=60");
    expect(a.keys[0]).toEqual(JSON.parse((await secretData(client, ns, "sig-tls"))["jwks.json"]!).keys[0]);

    await client.patch(CERTIFICATES, ns, "sig", { spec: { renewalRequest: { id: "rekey-1", rekey: true } } });
    await waitReady(client, ns, "sig", (s) => (s.revision ?? 0) >= 2);
    const second = await kidOf("sig");
    expect(second).not.toBe(first);
    // The state the leader remembers: the old key with when it was superseded.
    await eventually(async () => {
      const cm = await client.find<KubeObject & { data?: Record<string, string> }>(CONFIG_MAPS, ns, "sig-jwks");
      return cm?.data?.["jwks-state.json"]?.includes(first) ? cm : undefined;
    }, 20_000, "the JWKS state ConfigMap");
    expect((await jwks(`/jwks/${ns}/sig.json`)).kids).toEqual([second, first]);
    op.clock.advance(23 * H);
    expect((await jwks(`/jwks/${ns}/sig.json`)).kids).toEqual([second, first]);
    op.clock.advance(1 * H + 1000);
    expect((await jwks(`/jwks/${ns}/sig.json`)).kids).toEqual([second]);
    // The leader forgets it too (its requeue at the end of the overlap).
    await eventually(async () => {
      const cm = await client.find<KubeObject & { data?: Record<string, string> }>(CONFIG_MAPS, ns, "sig-jwks");
      return cm?.data?.["jwks-state.json"] && !cm.data["jwks-state.json"].includes(first) ? true : undefined;
    }, 20_000, "the superseded key forgotten");
  });

  it("removes a signing key at once when its certificate is revoked, even inside the overlap", async () => {
    await signing("sig2");
    await waitReady(client, ns, "sig2");
    const first = await kidOf("sig2");
    await client.patch(CERTIFICATES, ns, "sig2", { spec: { renewalRequest: { id: "r1", rekey: true } } });
    await waitReady(client, ns, "sig2", (s) => (s.revision ?? 0) >= 2);
    const second = await kidOf("sig2");
    await eventually(async () => ((await jwks(`/jwks/${ns}/sig2.json`)).kids.length === 2 ? true : undefined), 20_000, "both keys");
    await client.patch(CERTIFICATES, ns, "sig2", { spec: { revocation: { reason: "keyCompromise" } } });
    await waitNotReady(client, ns, "sig2");
    const after = await eventually(async () => {
      const j = await jwks(`/jwks/${ns}/sig2.json`);
      return j.kids.includes(second) ? undefined : j;
    }, 20_000, "the revoked key gone");
    expect(after.kids).toEqual([first]);
    expect(after.kids).not.toContain(second);
  });

  it("serves a grouped set by label, answers 304 to its ETag and 404 for what is not published", async () => {
    await signing("app-sig", {}, { "certwright.dev/jwks-group": "app1" });
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "app-enc", namespace: ns, labels: { "certwright.dev/jwks-group": "app1" } },
      spec: { raProfileRef: { name: "ca" }, type: "encryption", secretName: "app-enc-tls", subject: { commonName: "enc" }, privateKey: { algorithm: "RSA", size: 2048 }, jwks: { enabled: true } },
    } as KubeObject);
    await waitReady(client, ns, "app-sig");
    await waitReady(client, ns, "app-enc");
    const group = await eventually(async () => {
      const j = await jwks(`/jwks/${ns}/groups/app1.json`);
      return j.kids.length === 2 ? j : undefined;
    }, 20_000, "the group");
    expect(group.kids.sort()).toEqual([await kidOf("app-sig"), await kidOf("app-enc")].sort());
    expect(group.keys.map((k) => k.use).sort()).toEqual(["enc", "sig"]);
    const res = await fetch(`${base}/jwks/${ns}/groups/app1.json`, { headers: { "If-None-Match": group.etag! } });
    expect(res.status).toBe(304);
    expect(await res.text()).toBe("");
    expect(res.headers.get("etag")).toBe(group.etag);
    expect((await jwks(`/jwks/${ns}/nope.json`)).status).toBe(404);
    expect((await jwks(`/jwks/${ns}/groups/none.json`)).status).toBe(404);
    expect((await fetch(`${base}/jwks/${ns}/sig.json`, { method: "POST" })).status).toBe(405);
  });
});

describe("OCSP over HTTP, openssl as the client", () => {
  it("good, then revoked with the reason; unknown for a foreign certificate; nonce; delegated responder", async () => {
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "tpp", namespace: ns },
      spec: { raProfileRef: { name: "ca" }, type: "transport", secretName: "tpp-tls", subject: { commonName: "tpp" }, privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
    await waitReady(client, ns, "tpp");
    const tls = await secretData(client, ns, "tpp-tls");
    const leaf = tls["tls.crt"]!.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!;
    const url = `${base}/ocsp/${ns}/ca`;
    // The JWKS tests moved the operator's clock a day ahead: openssl verifies at the operator's time.
    const when = () => ["-attime", String(Math.floor(op.clock.now().getTime() / 1000)), "-validity_period", String(3 * 86400)];
    const ask = (extra: string[] = [], files: Record<string, string> = {}) =>
      withFiles({ "ca.pem": tls["ca.crt"]!, "leaf.pem": leaf, ...files }, async (p) => {
        const out = await openssl("ocsp", "-issuer", p("ca.pem"), "-cert", p(files["other.pem"] ? "other.pem" : "leaf.pem"), "-url", url, "-CAfile", p("ca.pem"), "-nonce", "-resp_text", ...when(), ...extra);
        return out.stdout + out.stderr;
      });
    // The certificate names its responder.
    const aia = await withFiles({ "leaf.pem": leaf }, (p) => openssl("x509", "-in", p("leaf.pem"), "-noout", "-ocsp_uri"));
    expect(aia.stdout.trim()).toBe(url);

    const good = await ask();
    expect(good).toContain("Response verify OK");
    expect(good).toMatch(/leaf\.pem: good/);
    expect(good).toContain("OCSP Nonce");
    expect(good).not.toContain("WARNING: no nonce");
    expect(good).toContain("OCSP Signing"); // the delegated responder's certificate is in the response
    expect(good).toMatch(/This Update: .*\n\s+Next Update: /);

    // GET (RFC 6960 A.1) answers the same.
    const reqDer = await withFiles({ "ca.pem": tls["ca.crt"]!, "leaf.pem": leaf }, async (p) => {
      await openssl("ocsp", "-issuer", p("ca.pem"), "-cert", p("leaf.pem"), "-no_nonce", "-reqout", p("r.der"));
      const { readFile } = await import("node:fs/promises");
      return readFile(p("r.der"));
    });
    const get = await fetch(`${url}/${encodeURIComponent(reqDer.toString("base64"))}`);
    expect(get.status).toBe(200);
    expect(get.headers.get("content-type")).toBe("application/ocsp-response");
    expect(get.headers.get("cache-control")).toBe("public, max-age=60");

    // A certificate of another CA: unknown.
    const foreign = await withFiles({}, async (p) => {
      await openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", p("k.pem"), "-out", p("c.pem"), "-subj", "/CN=foreign", "-days", "2");
      const { readFile } = await import("node:fs/promises");
      return readFile(p("c.pem"), "utf8");
    });
    const unknown = await withFiles({ "foreign.pem": foreign }, async (p) => {
      const out = await openssl("ocsp", "-issuer", p("foreign.pem"), "-cert", p("foreign.pem"), "-url", url, "-noverify", "-resp_text", ...when());
      return out.stdout + out.stderr;
    });
    expect(unknown).toMatch(/foreign\.pem: unknown/);

    await client.patch(CERTIFICATES, ns, "tpp", { spec: { revocation: { reason: "keyCompromise" } } });
    await waitNotReady(client, ns, "tpp");
    const revoked = await eventually(async () => {
      const out = await ask();
      return /leaf\.pem: revoked/.test(out) ? out : undefined;
    }, 20_000, "OCSP answering revoked");
    expect(revoked).toContain("Response verify OK");
    expect(revoked).toContain("Reason: keyCompromise");
    const revokedAt = (await getCert(client, ns, "tpp")).status?.history?.find((h) => h.serialNumber === inspectCertificate(leaf).serialNumber);
    expect(revokedAt?.state).toBe("revoked");
  });

  it("answers malformed requests with malformedRequest and refuses oversized bodies", async () => {
    const res = await fetch(`${base}/ocsp/${ns}/ca`, { method: "POST", headers: { "Content-Type": "application/ocsp-request" }, body: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) });
    // An OCSP error is an OCSP answer (RFC 6960 4.2.1): HTTP 200, responseStatus malformedRequest (1).
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString("hex")).toBe("30030a0101");
    const empty = await fetch(`${base}/ocsp/${ns}/ca`, { method: "POST", body: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    expect(Buffer.from(await empty.arrayBuffer()).toString("hex")).toBe("30030a0101");
    const big = await fetch(`${base}/ocsp/${ns}/ca`, { method: "POST", body: new Uint8Array(20_000) });
    expect(big.status).toBe(413);
    expect((await fetch(`${base}/ocsp/${ns}/nope`, { method: "POST", body: new Uint8Array([1]) })).status).toBe(404);
  });
});

describe("CRLs", () => {
  it("are served on the public listener and still on the metrics port's /crl/* paths", async () => {
    await eventually(() => client.find(CONFIG_MAPS, ns, "ca-crl"), 20_000, "the CRL ConfigMap");
    for (const port of [pub.port, metricsPort.port]) {
      const res = await fetch(`http://127.0.0.1:${port}/crl/${ns}/ca.crl`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/pkix-crl");
      const der = Buffer.from(await res.arrayBuffer());
      const t = await withFiles({ "crl.der": der }, (p) => openssl("crl", "-inform", "DER", "-in", p("crl.der"), "-noout", "-text"));
      expect(t.stdout).toContain("Certificate Revocation List");
    }
  });
});
