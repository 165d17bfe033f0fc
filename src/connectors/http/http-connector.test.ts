import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestAttributeSpec } from "../../api/czertainly-attributes.ts";
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
/** What the Vault connector wants: the PKI engine as an object, the role as a string. */
const VAULT_ATTRIBUTES: RequestAttributeSpec[] = [
  { name: "ra_profile_engine", contentType: "object", content: [{ object: { engineName: "pki" } }] },
  { name: "ra_profile_role", contentType: "string", content: [{ string: "servers" }] },
];

let server: CzertainlyServer;
let derServer: CzertainlyServer;
let mtlsServer: CzertainlyServer;
beforeAll(async () => {
  server = await startCzertainlyServer({ authorityUuid: AUTHORITY, token: TOKEN });
  derServer = await startCzertainlyServer({ authorityUuid: AUTHORITY, format: "der" });
  mtlsServer = await startCzertainlyServer({ authorityUuid: AUTHORITY, mtls: true });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await derServer?.stop();
  await mtlsServer?.stop();
});

function connector(token = TOKEN, extra: Partial<HttpAuthorityConfig> = {}, store = new MemorySecretStore()): HttpConnector {
  store.secrets.set(TOKEN_REF.name, { [TOKEN_REF.key]: token });
  return new HttpConnector({ url: server.url, authorityUuid: AUTHORITY, tokenSecretRef: TOKEN_REF, raProfileAttributes: VAULT_ATTRIBUTES, ...extra }, store, () => now);
}

async function request(keyPem?: string): Promise<IssueRequest> {
  const key = keyPem ?? (await generatePrivateKey({ algorithm: "ECDSA", size: 256 }));
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

describe("the contract-validating server", () => {
  it("refuses the old {pkcs10} shape as a current connector does: 422 required field 'request'", async () => {
    const csr = (await request()).csrPem.replace(/-----[A-Z ]+-----|\s+/g, "");
    const res = await fetch(`${server.url}/v2/authorityProvider/authorities/${AUTHORITY}/certificates/issue`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ pkcs10: csr, attributes: [] }),
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain("required field 'request' is zero value.");
  });

  it("refuses an unknown revocation reason and an empty raProfileAttributes", async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/v2/authorityProvider/authorities/${AUTHORITY}/certificates/revoke`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
      });
    const bad = await post({ reason: "compromised", raProfileAttributes: [], attributes: [], certificate: "MA==" });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toMatch(/reason must be one of/);
    const empty = await post({ reason: "keyCompromise", raProfileAttributes: [], attributes: [], certificate: "MA==" });
    expect(JSON.stringify(await empty.json())).toContain("required field 'raProfileAttributes' is zero value.");
  });

  it("every request the connector sent passed the contract, with typed attribute content", async () => {
    await connector().issue(await request());
    const issue = server.received.filter((r) => r.operation === "issueCertificate").at(-1)!;
    expect(issue.body).toMatchObject({ format: "pkcs10", attributes: [] });
    expect(typeof issue.body.request).toBe("string");
    expect(issue.body.raProfileAttributes).toEqual([
      { name: "ra_profile_engine", contentType: "object", content: [{ data: { engineName: "pki" } }] },
      { name: "ra_profile_role", contentType: "string", content: [{ data: "servers" }] },
    ]);
    expect(server.refusals.filter((r) => r.status !== 401 && r.status !== 422)).toEqual([]);
  });
});

describe("http connector", () => {
  it("a wrong token is Unauthorized, not retried, and the token never shows in the message", async () => {
    const wrong = "wrong-token-do-not-leak";
    const err = await connector(wrong).issue(await request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ reason: "Unauthorized", retryable: false });
    expect((err as Error).message).not.toContain(wrong);
    expect((err as Error).message).toContain("401");
  });

  it("a 422 is Rejected, not retryable, with the connector's message", async () => {
    server.rejectIssue = { status: 422, messages: ["Attribute endEntityProfile is required"] };
    try {
      const err = await connector().issue(await request()).catch((e: unknown) => e);
      expect(err).toMatchObject({ reason: "Rejected", retryable: false });
      expect((err as Error).message).toBe("issue: HTTP 422: Attribute endEntityProfile is required");
    } finally {
      server.rejectIssue = undefined;
    }
  });

  it("a string where the connector defines an object: prepare names the attribute and refuses, not retried", async () => {
    const engineAsString: RequestAttributeSpec[] = [{ ...VAULT_ATTRIBUTES[0]!, contentType: "string", content: [{ string: "pki" }] }, VAULT_ATTRIBUTES[1]!];
    const err = await connector(TOKEN, { raProfileAttributes: engineAsString }).prepare().catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "AttributeTypeMismatch", retryable: false });
    expect((err as Error).message).toBe("raProfileAttributes ra_profile_engine is declared string, but the connector defines it as object");
  });

  it("sent anyway, the connector drops the connection: ConnectionDropped with the likely cause, not CAUnreachable", async () => {
    const engineAsString: RequestAttributeSpec[] = [{ ...VAULT_ATTRIBUTES[0]!, contentType: "object", content: [{ object: { engine: "pki" } }] }, VAULT_ATTRIBUTES[1]!];
    const err = await connector(TOKEN, { raProfileAttributes: engineAsString }).issue(await request()).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: "ConnectionDropped", retryable: true });
    expect((err as Error).message).toMatch(/^issue: http:\/\/127\.0\.0\.1:\d+ closed the connection without answering .*check the contentType of each attribute/);
    expect(server.refusals.at(-1)).toMatchObject({ status: "dropped", message: "raProfileAttributes: attribute ra_profile_engine needs an object" });
  });

  it("prepare returns the authority's chain from caCertificates, issuing CA first", async () => {
    const { caPem } = await connector().prepare();
    expect(caPem).toBe(server.intermediatePem + server.rootPem);
  });

  it("renews with the same key through the renew endpoint when asked to renew", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const c = connector();
    const first = await c.issue(await request(key));
    const renewed = await c.issue({ ...(await request(key)), renewal: { certificatePem: first.certificatePem } });
    const renew = server.received.filter((r) => r.operation === "renewCertificate").at(-1)!;
    expect(renew.body).toMatchObject({ format: "pkcs10", meta: [], certificate: first.certificatePem.replace(/-----[A-Z ]+-----|\s+/g, "") });
    expect(inspectCertificate(renewed.certificatePem).spkiSha256).toBe(inspectCertificate(first.certificatePem).spkiSha256);
    expect(inspectCertificate(renewed.certificatePem).serialNumber).not.toBe(inspectCertificate(first.certificatePem).serialNumber);
  });

  it("a leaf sent alone as base64 DER is completed with the caCertificates chain", async () => {
    const c = new HttpConnector({ url: `${derServer.url}/`, authorityUuid: AUTHORITY, raProfileAttributes: VAULT_ATTRIBUTES }, new MemorySecretStore(), () => now);
    await c.prepare();
    const issued = await c.issue(await request());
    expect(inspectCertificate(issued.certificatePem).sans.dnsNames).toEqual(["svc.example.com"]);
    expect(await verifyIssuedBy(issued.certificatePem, derServer.intermediatePem)).toBe(true);
    expect(issued.chainPems).toEqual([derServer.intermediatePem]);
    expect(issued.caPem).toBe(derServer.rootPem);
  });

  it("revoke sends reason, raProfileAttributes, attributes and the certificate", async () => {
    const issued = await connector().issue(await request());
    const serialNumber = inspectCertificate(issued.certificatePem).serialNumber;
    // A fresh connector: it knows nothing, so the certificate must come with the request.
    await connector().revoke({ serialNumber, reason: "superseded", revokedAt: now, certificatePem: issued.certificatePem });
    expect(server.revocations).toContainEqual({ serialNumber, reason: "superseded" });
    const revoke = server.received.filter((r) => r.operation === "revokeCertificate").at(-1)!;
    expect(Object.keys(revoke.body).sort()).toEqual(["attributes", "certificate", "raProfileAttributes", "reason"]);
  });

  it("a revoke without the certificate, for one it did not issue, says so", async () => {
    await expect(connector().revoke({ serialNumber: "0a", reason: "keyCompromise", revokedAt: now })).rejects.toMatchObject({
      reason: "CertificateUnknown",
      retryable: false,
    });
  });

  it("mTLS: with the client certificate from a Secret it issues; without, the handshake is refused (retryable, no key in the message)", async () => {
    const tls = mtlsServer.mtls!;
    const store = new MemorySecretStore();
    store.set("connector-ca", { "ca.crt": tls.caPem });
    store.set("certwright-client", { "tls.crt": tls.clientCertificatePem, "tls.key": tls.clientKeyPem });
    const base = { url: mtlsServer.url, authorityUuid: AUTHORITY, raProfileAttributes: VAULT_ATTRIBUTES, caBundleSecretRef: { name: "connector-ca", key: "ca.crt" } };
    const withCert = new HttpConnector({ ...base, clientCertificateSecretRef: { name: "certwright-client" } }, store, () => now);
    await withCert.prepare();
    const issued = await withCert.issue(await request());
    expect(await verifyIssuedBy(issued.certificatePem, mtlsServer.intermediatePem)).toBe(true);
    const without = new HttpConnector(base, store, () => now);
    const err = await without.issue(await request()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).retryable).toBe(true);
    expect(["TLSHandshakeRefused", "ConnectionDropped"]).toContain((err as ConnectorError).reason);
    expect((err as Error).message).not.toContain("PRIVATE KEY");
    const noSecret = new HttpConnector({ ...base, clientCertificateSecretRef: { name: "absent" } }, store, () => now);
    await expect(noSecret.prepare()).rejects.toMatchObject({ reason: "ClientCertificateNotFound", retryable: true });
  });

  it("an unreachable connector is retryable; a missing token Secret too", async () => {
    const down = new HttpConnector({ url: "http://127.0.0.1:1", authorityUuid: AUTHORITY }, new MemorySecretStore(), () => now);
    await expect(down.issue(await request())).rejects.toMatchObject({ reason: "CAUnreachable", retryable: true });
    const noSecret = new HttpConnector({ url: server.url, authorityUuid: AUTHORITY, tokenSecretRef: TOKEN_REF }, new MemorySecretStore(), () => now);
    await expect(noSecret.prepare()).rejects.toMatchObject({ reason: "TokenNotFound", retryable: true });
  });

  it("a 5xx is retried: ServerError", async () => {
    server.down = true;
    try {
      await expect(connector().issue(await request())).rejects.toMatchObject({ reason: "ServerError", retryable: true });
    } finally {
      server.down = false;
    }
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
