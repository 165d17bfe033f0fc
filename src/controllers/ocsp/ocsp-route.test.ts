// The OCSP HTTP route in front of the real local CA's responder, with openssl building the
// requests and reading the answers. The profiles and Certificates are the objects an informer
// cache would hold; the route looks up nothing else.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { API_VERSION } from "../../api/resources.ts";
import type { Connector } from "../../connectors/connector.ts";
import { LocalConnector } from "../../connectors/local/local-connector.ts";
import { MemorySecretStore } from "../../connectors/testing/conformance.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { PublicRequest } from "../../observability/public-server.ts";
import { inspectCertificate } from "../../pki/inspect.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { MAX_OCSP_REQUEST_BYTES } from "../../pki/ocsp.ts";
import { openssl, withFiles } from "../../pki/testing/openssl.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { ocspRoute } from "./ocsp-route.ts";

const now = new Date("2026-11-23T10:00:00Z");
// openssl checks thisUpdate/nextUpdate against the machine's time: pin it to ours.
const TIME_OPTS = ["-attime", String(Math.floor(now.getTime() / 1000)), "-validity_period", "315360000"];
const localSpec = { authority: { type: "local", local: { caSecretName: "ca", generate: true } } };
const profileObject = (kind: string, name: string, namespace?: string, spec: object = localSpec): KubeObject =>
  ({ apiVersion: API_VERSION, kind, metadata: { name, namespace, uid: `uid-${name}`, generation: 1 }, spec }) as KubeObject;
const certificate = (namespace: string, profile: string, serialNumber: string, kind?: string): KubeObject =>
  ({ metadata: { namespace, name: `c-${serialNumber}` }, spec: { raProfileRef: { name: profile, kind } }, status: { serialNumber } }) as KubeObject;

async function setup(certs: (serial: string) => KubeObject[]) {
  const ca = new LocalConnector({ caSecretName: "ca", generate: true }, new MemorySecretStore(), () => now);
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const issued = await ca.issue({
    csrPem: "", publicKeyPem: publicKeyPemFromPrivate(key), type: "server", subject: { commonName: "a.example.com" },
    sans: { dnsNames: ["a.example.com"] }, notBefore: now, notAfter: new Date(now.getTime() + 86_400_000),
  });
  const serial = inspectCertificate(issued.certificatePem).serialNumber;
  const profiles: Record<string, KubeObject> = {
    "team/local-ca": profileObject("RAProfile", "local-ca", "team"),
    "team/broken": profileObject("RAProfile", "broken", "team", { authority: { type: "nonsense" } }),
    "team/manual": profileObject("RAProfile", "manual", "team"),
    "/shared-ca": profileObject("ClusterRAProfile", "shared-ca"),
  };
  const noOcsp = { type: "manual" } as unknown as Connector;
  const connectors = { get: (p: { name: string }) => (p.name === "manual" ? noOcsp : ca) } as unknown as ConnectorRegistry;
  const handler = ocspRoute({
    raProfile: (ns, name) => profiles[`${ns}/${name}`],
    clusterRAProfile: (name) => profiles[`/${name}`],
    certificates: () => certs(serial),
    connectors,
    clusterResourceNamespace: "certwright",
  });
  const files = { "ca.pem": issued.caPem, "cert.pem": issued.certificatePem };
  const requestDer = await withFiles(files, async (p) => {
    const out = await openssl("ocsp", "-issuer", p("ca.pem"), "-cert", p("cert.pem"), "-no_nonce", "-reqout", p("req.der"));
    expect(out.code).toBe(0);
    return readFile(p("req.der"));
  });
  /** The certificate's status as openssl reads it from the route's answer, verified against the CA. */
  const statusIn = (body: Uint8Array) => withFiles({ ...files, "resp.der": Buffer.from(body) }, async (p) => {
    const out = await openssl("ocsp", "-respin", p("resp.der"), "-issuer", p("ca.pem"), "-cert", p("cert.pem"), "-CAfile", p("ca.pem"), ...TIME_OPTS);
    return /cert\.pem: (good|revoked|unknown)/.exec(out.stdout)?.[1] ?? `no status: ${out.stdout}${out.stderr}`;
  });
  return { handler, requestDer, statusIn };
}

const post = (path: string, body?: Buffer): PublicRequest => ({ method: "POST", path, body, query: new URLSearchParams(), headers: {} });
const get = (path: string): PublicRequest => ({ method: "GET", path, query: new URLSearchParams(), headers: {} });

describe("ocspRoute answers from the profile's authority", () => {
  it("POST and GET answer good for a serial in the profile's inventory, with their cache headers", async () => {
    const { handler, requestDer, statusIn } = await setup((s) => [certificate("team", "local-ca", s)]);
    const byPost = await handler(post("/ocsp/team/local-ca", requestDer));
    expect(byPost).toMatchObject({ status: 200, contentType: "application/ocsp-response", headers: { "Cache-Control": "no-store" } });
    expect(await statusIn(byPost.body as Uint8Array)).toBe("good");
    const byGet = await handler(get(`/ocsp/team/local-ca/${encodeURIComponent(requestDer.toString("base64"))}`));
    expect(byGet).toMatchObject({ status: 200, headers: { "Cache-Control": "public, max-age=60" } });
    expect(await statusIn(byGet.body as Uint8Array)).toBe("good");
    const byGetUrlSafe = await handler(get(`/ocsp/team/local-ca/${requestDer.toString("base64url")}`));
    expect(await statusIn(byGetUrlSafe.body as Uint8Array)).toBe("good");
  }, 60_000);

  const inventories: [string, string, (serial: string) => KubeObject[], string][] = [
    ["a serial no Certificate lists", "/ocsp/team/local-ca", () => [], "unknown"],
    ["a Certificate of another namespace", "/ocsp/team/local-ca", (s) => [certificate("other", "local-ca", s)], "unknown"],
    ["a Certificate of another profile", "/ocsp/team/local-ca", (s) => [certificate("team", "elsewhere", s)], "unknown"],
    ["the same name as a ClusterRAProfile ref", "/ocsp/team/local-ca", (s) => [certificate("team", "local-ca", s, "ClusterRAProfile")], "unknown"],
    ["a serial in a history entry", "/ocsp/team/local-ca", (s) => [{ ...certificate("team", "local-ca", "ff"), status: { serialNumber: "ff", history: [{ serialNumber: s }] } } as KubeObject], "good"],
    ["a ClusterRAProfile's Certificate in any namespace", "/ocsp/_cluster/shared-ca", (s) => [certificate("anywhere", "shared-ca", s, "ClusterRAProfile")], "good"],
  ];
  it.each(inventories)("%s", async (_name, path, certs, want) => {
    const { handler, requestDer, statusIn } = await setup(certs);
    const res = await handler(post(path, requestDer));
    expect(res.status).toBe(200);
    expect(await statusIn(res.body as Uint8Array)).toBe(want);
  }, 60_000);
});

describe("ocspRoute refuses what it cannot answer", () => {
  const cases: [string, (der: Buffer) => PublicRequest, number, RegExp][] = [
    ["a path outside /ocsp/<namespace>/<profile>", (der) => post("/ocsp/team", der), 404, /no such OCSP responder/],
    ["a profile that does not exist", (der) => post("/ocsp/team/missing", der), 404, /no such OCSP responder/],
    ["a profile whose spec does not parse", (der) => post("/ocsp/team/broken", der), 404, /no such OCSP responder/],
    ["a ClusterRAProfile that does not exist", (der) => post("/ocsp/_cluster/local-ca", der), 404, /no such OCSP responder/],
    ["an authority without OCSP", (der) => post("/ocsp/team/manual", der), 404, /no OCSP responder/],
  ];
  it.each(cases)("%s", async (_name, req, status, body) => {
    const { handler, requestDer } = await setup(() => []);
    const res = await handler(req(requestDer));
    expect(res.status).toBe(status);
    expect(String(res.body)).toMatch(body);
  }, 60_000);

  const malformed: [string, PublicRequest][] = [
    ["a POST with a request in the path too", post("/ocsp/team/local-ca/MAo=", Buffer.from([0x30, 0]))],
    ["a POST without a body", post("/ocsp/team/local-ca")],
    ["an empty POST body", post("/ocsp/team/local-ca", Buffer.alloc(0))],
    ["a POST body over the size cap", post("/ocsp/team/local-ca", Buffer.alloc(MAX_OCSP_REQUEST_BYTES + 1, 0x30))],
    ["a GET without a request", get("/ocsp/team/local-ca")],
    ["a GET whose segment is not base64", get("/ocsp/team/local-ca/not*base64")],
    ["a GET whose segment is not URL-encoded right", get("/ocsp/team/local-ca/%E0%A4%A")],
  ];
  it.each(malformed)("malformedRequest for %s", async (_name, req) => {
    const { handler, statusIn } = await setup(() => []);
    const res = await handler(req);
    expect(res).toMatchObject({ status: 400, contentType: "application/ocsp-response" });
    // An OCSP error response: responseStatus malformedRequest (1), no certificate status.
    expect(Buffer.from(res.body as Uint8Array)).toEqual(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]));
    expect(await statusIn(res.body as Uint8Array)).toMatch(/^no status/);
  }, 60_000);
});
