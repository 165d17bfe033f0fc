import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCsr } from "../../pki/csr.ts";
import { inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { ConnectorError, type IssueRequest } from "../connector.ts";
import { connectorConformance, MemorySecretStore } from "../testing/conformance.ts";
import { startCzertainlyServer, type CzertainlyServer } from "../testing/czertainly-server.ts";
import { startHungServer } from "../testing/hung-server.ts";
import { HttpConnector, type HttpAuthorityConfig } from "./http-connector.ts";

const now = new Date();
const AUTHORITY = "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
const TOKEN = "s3cr3t-token-value";
const TOKEN_REF = { name: "czertainly-token", key: "token" };

let server: CzertainlyServer;
let derServer: CzertainlyServer;
beforeAll(async () => {
  server = await startCzertainlyServer({ authorityUuid: AUTHORITY, token: TOKEN });
  derServer = await startCzertainlyServer({ authorityUuid: AUTHORITY, format: "der" });
});
afterAll(async () => {
  await server?.stop();
  await derServer?.stop();
});

function connector(token = TOKEN, extra: Partial<HttpAuthorityConfig> = {}): HttpConnector {
  const store = new MemorySecretStore();
  store.secrets.set(TOKEN_REF.name, { [TOKEN_REF.key]: token });
  return new HttpConnector({ url: server.url, authorityUuid: AUTHORITY, tokenSecretRef: TOKEN_REF, ...extra }, store, () => now);
}

async function request(): Promise<IssueRequest> {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const sans = { dnsNames: ["svc.example.com"] };
  return {
    csrPem: await buildCsr({ privateKeyPem: key, subject: { commonName: "svc.example.com" }, sans }),
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "server",
    subject: { commonName: "svc.example.com" },
    sans,
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
  };
}

connectorConformance("http (CZERTAINLY v2)", () => Promise.resolve({ connector: connector(), now }));

describe("http connector", () => {
  it("a wrong token is Unauthorized, not retried, and the token never shows in the message", async () => {
    const wrong = "wrong-token-do-not-leak";
    const err = await connector(wrong).issue(await request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ reason: "Unauthorized", retryable: false });
    expect((err as Error).message).not.toContain(wrong);
    expect((err as Error).message).toContain("401");
  });

  it("a 422 is Rejected, not retryable, with the server's message", async () => {
    server.rejectIssue = { status: 422, messages: ["Attribute endEntityProfile is required"] };
    try {
      const err = await connector().issue(await request()).catch((e: unknown) => e);
      expect(err).toMatchObject({ reason: "Rejected", retryable: false });
      expect((err as Error).message).toContain("Attribute endEntityProfile is required");
    } finally {
      server.rejectIssue = undefined;
    }
  });

  it("sends the RA profile attributes in CZERTAINLY's shape and splits the served chain: intermediate, then root for ca.crt", async () => {
    const attrs = [{ name: "endEntityProfile", value: "TLS" }];
    const issued = await connector(TOKEN, { raProfileAttributes: attrs }).issue(await request());
    expect(server.issueAttributes.at(-1)).toEqual([{ name: "endEntityProfile", content: [{ data: "TLS" }] }]);
    expect(issued.caPem).toBe(server.rootPem);
    expect(issued.chainPems).toEqual([server.intermediatePem]);
  });

  it("accepts base64 DER certificateData (leaf only: no trust anchor to name)", async () => {
    const c = new HttpConnector({ url: `${derServer.url}/`, authorityUuid: AUTHORITY }, new MemorySecretStore(), () => now);
    const issued = await c.issue(await request());
    expect(inspectCertificate(issued.certificatePem).sans.dnsNames).toEqual(["svc.example.com"]);
    expect(await verifyIssuedBy(issued.certificatePem, derServer.intermediatePem)).toBe(true);
    expect(issued.caPem).toBe("");
  });

  it("revoke sends the certificate and the reason", async () => {
    const issued = await connector().issue(await request());
    const serialNumber = inspectCertificate(issued.certificatePem).serialNumber;
    // A fresh connector: it knows nothing, so the certificate must come with the request.
    await connector().revoke({ serialNumber, reason: "superseded", revokedAt: now, certificatePem: issued.certificatePem });
    expect(server.revocations).toContainEqual({ serialNumber, reason: "superseded" });
  });

  it("a revoke without the certificate, for one it did not issue, says so", async () => {
    await expect(connector().revoke({ serialNumber: "0a", reason: "keyCompromise", revokedAt: now })).rejects.toMatchObject({
      reason: "CertificateUnknown",
      retryable: false,
    });
  });

  it("an unreachable connector is retryable; a missing token Secret too", async () => {
    const down = new HttpConnector({ url: "http://127.0.0.1:1", authorityUuid: AUTHORITY }, new MemorySecretStore(), () => now);
    await expect(down.issue(await request())).rejects.toMatchObject({ reason: "CAUnreachable", retryable: true });
    const noSecret = new HttpConnector({ url: server.url, authorityUuid: AUTHORITY, tokenSecretRef: TOKEN_REF }, new MemorySecretStore(), () => now);
    await expect(noSecret.prepare()).rejects.toMatchObject({ reason: "TokenNotFound", retryable: true });
  });

  it("a CA that accepts and never answers times out after the profile's headers timeout: CATimeout, retryable", async () => {
    const hung = await startHungServer();
    try {
      const c = new HttpConnector({ url: hung.url, authorityUuid: AUTHORITY, timeouts: { headers: "1s" } }, new MemorySecretStore(), () => now);
      const err = await c.issue(await request()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(err).toMatchObject({ reason: "CATimeout", retryable: true, message: `issue: ${hung.url} sent no response within 1s (headers timeout)` });
    } finally {
      await hung.close();
    }
  });

  it("the request's signal cancels a call to a hung CA", async () => {
    const hung = await startHungServer();
    try {
      const c = new HttpConnector({ url: hung.url, authorityUuid: AUTHORITY }, new MemorySecretStore(), () => now);
      const controller = new AbortController();
      const call = c.issue({ ...(await request()), signal: controller.signal }).catch((e: unknown) => e);
      await hung.accepted;
      controller.abort();
      expect(await call).toMatchObject({ reason: "Cancelled", retryable: true });
    } finally {
      await hung.close();
    }
  });
});
