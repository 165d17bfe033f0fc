import { createPrivateKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCsr } from "../../pki/csr.ts";
import { inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import type { SanSpec } from "../../pki/subject.ts";
import { ConnectorError, type IssueRequest } from "../connector.ts";
import { connectorConformance, MemorySecretStore } from "../testing/conformance.ts";
import { startHungServer } from "../testing/hung-server.ts";
import { pebbleAvailable, PEBBLE_BIN, startLoopbackDns, startPebble, type Pebble } from "../testing/pebble.ts";
import { Http01Responder } from "./http01-responder.ts";
import { AcmeConnector, type AcmeConnectorOptions } from "./acme-connector.ts";
import { undiciHttpClient, type FetchLike } from "../shared/http.ts";
import { jwkThumbprint, publicJwk } from "./jws.ts";

const now = new Date();
const ACCOUNT = { name: "acme-account", key: "tls.key" };
const TLS_CA = { name: "acme-server-ca", key: "ca.crt" };

async function request(sans: SanSpec, csrSans: SanSpec = sans): Promise<IssueRequest> {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  return {
    csrPem: await buildCsr({ privateKeyPem: key, subject: {}, sans: csrSans }),
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "server",
    subject: {},
    sans,
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
  };
}

/** The JSON payload of a signed ACME request body. */
function payloadOf(body: string | undefined): Record<string, unknown> | undefined {
  if (!body) return undefined;
  const raw = (JSON.parse(body) as { payload: string }).payload;
  return raw ? (JSON.parse(Buffer.from(raw, "base64url").toString()) as Record<string, unknown>) : undefined;
}

if (!pebbleAvailable) {
  describe.skip(`acme connector: ${PEBBLE_BIN} is not installed (apt-get install pebble), so these tests cannot run`, () => {
    it("needs pebble", () => undefined);
  });
} else {
  // Real validation: pebble resolves every name to 127.0.0.1 and fetches the answer from the responder.
  let pebble: Pebble;
  let dns: Awaited<ReturnType<typeof startLoopbackDns>>;
  const responder = new Http01Responder();
  let listener: Awaited<ReturnType<Http01Responder["listen"]>>;
  beforeAll(async () => {
    listener = await responder.listen(0, "127.0.0.1");
    dns = await startLoopbackDns();
    pebble = await startPebble({ dnsServer: dns.address, httpPort: listener.port });
  });
  afterAll(async () => {
    await pebble?.stop();
    await dns?.stop();
    await listener?.close();
  });

  const fast = (): AcmeConnectorOptions => ({ pollIntervalMs: 10, pollAttempts: 200, solvers: [responder.solver()] });
  const storeWithCa = (): MemorySecretStore => {
    const store = new MemorySecretStore();
    store.secrets.set(TLS_CA.name, { [TLS_CA.key]: pebble.tlsCaPem });
    return store;
  };
  const connector = (store = storeWithCa(), options: AcmeConnectorOptions = {}) =>
    new AcmeConnector(
      { server: pebble.directoryUrl, email: "ops@example.com", accountKeySecretRef: ACCOUNT, caBundleSecretRef: TLS_CA },
      store,
      () => now,
      { ...fast(), ...options },
    );

  connectorConformance("acme (pebble)", () => Promise.resolve({ connector: connector(), now }));

  describe("acme connector against pebble", () => {
    it("creates the account key once, registers once, and finds the account again by key", async () => {
      const store = storeWithCa();
      const seen: unknown[] = [];
      const base = undiciHttpClient({ caPem: pebble.tlsCaPem });
      const fetch: FetchLike = (url, init) => {
        if (url.endsWith("/sign-me-up")) seen.push(payloadOf(init.body));
        return base(url, init);
      };
      expect(await connector(store, { fetch }).prepare()).toEqual({ caPem: "" });
      const key = store.secrets.get(ACCOUNT.name)?.[ACCOUNT.key];
      expect(key).toMatch(/BEGIN PRIVATE\sKEY/);
      await connector(store, { fetch }).prepare();
      expect(store.secrets.get(ACCOUNT.name)?.[ACCOUNT.key]).toBe(key);
      expect(seen).toEqual([
        { onlyReturnExisting: true },
        { termsOfServiceAgreed: true, contact: ["mailto:ops@example.com"] },
        { onlyReturnExisting: true },
      ]);
    });

    it("orders every DNS name and IP address of the request, and the chain leads to pebble's root", async () => {
      const c = connector();
      const issued = await c.issue(await request({ dnsNames: ["a.example.com", "b.example.com"], ipAddresses: ["127.0.0.1"] }));
      const info = inspectCertificate(issued.certificatePem);
      expect(info.sans.dnsNames).toEqual(["a.example.com", "b.example.com"]);
      expect(info.sans.ipAddresses).toEqual(["127.0.0.1"]);
      expect(issued.chainPems).toHaveLength(1);
      expect(issued.caPem).toBe(issued.chainPems[0]); // pebble leaves out the root: the anchor is the top of the chain
      expect(await verifyIssuedBy(issued.certificatePem, issued.chainPems[0]!)).toBe(true);
      expect(await verifyIssuedBy(issued.chainPems[0]!, await pebble.issuingRoot())).toBe(true);
    });

    it("serves each http-01 token's key authorization (token.thumbprint) while pending, and not after", async () => {
      const store = storeWithCa();
      const presented: { identifier: { value: string }; token: string; keyAuthorization: string }[] = [];
      const inner = responder.solver();
      const seenWhilePending: (string | undefined)[] = [];
      const recording = {
        type: "http-01" as const,
        present: async (p: Parameters<typeof inner.present>[0]) => {
          presented.push(p);
          await inner.present(p);
          seenWhilePending.push(await responder.answer(`/.well-known/acme-challenge/${p.token}`));
        },
        cleanup: (p: Parameters<typeof inner.cleanup>[0]) => inner.cleanup(p),
      };
      const c = connector(store, { solvers: [recording] });
      await c.issue(await request({ dnsNames: ["present.example.com"] }));
      expect(seenWhilePending).toEqual([presented[0]!.keyAuthorization]);
      // Served only while pending: gone once the authorization is decided.
      expect(await responder.answer(`/.well-known/acme-challenge/${presented[0]!.token}`)).toBeUndefined();
      const thumbprint = jwkThumbprint(publicJwk(createPrivateKey(store.secrets.get(ACCOUNT.name)![ACCOUNT.key]!)));
      expect(presented).toHaveLength(1);
      expect(presented[0]!.identifier.value).toBe("present.example.com");
      expect(presented[0]!.keyAuthorization).toBe(`${presented[0]!.token}.${thumbprint}`);
    });

    it("revokes with the certificate handed in, from another connector, idempotently (alreadyRevoked)", async () => {
      const store = storeWithCa();
      const issued = await connector(store).issue(await request({ dnsNames: ["revoke.example.com"] }));
      const serialNumber = inspectCertificate(issued.certificatePem).serialNumber;
      const problems: string[] = [];
      const base = undiciHttpClient({ caPem: pebble.tlsCaPem });
      const fetch: FetchLike = async (url, init) => {
        const res = await base(url, init);
        const body = await res.text();
        if (res.status >= 400) problems.push((JSON.parse(body) as { type: string }).type);
        return { status: res.status, headers: res.headers, text: () => Promise.resolve(body) };
      };
      const fresh = connector(store, { fetch }); // as after an operator restart: it never saw this certificate
      await expect(fresh.revoke({ serialNumber, reason: "keyCompromise", revokedAt: now })).rejects.toMatchObject({
        reason: "CertificateUnknown",
        retryable: false,
      });
      const req = { serialNumber, reason: "keyCompromise" as const, revokedAt: now, certificatePem: issued.certificatePem };
      await fresh.revoke(req);
      await fresh.revoke(req);
      expect(problems).toEqual(["urn:ietf:params:acme:error:alreadyRevoked"]);
    });

    it("turns a problem document into a ConnectorError named by its type", async () => {
      // The CSR names something the order does not: the server refuses the finalization.
      const req = await request({ dnsNames: ["ordered.example.com"] }, { dnsNames: ["other.example.com"] });
      const error = await connector().issue(req).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error).toMatchObject({ reason: "unauthorized", retryable: false });
      expect((error as Error).message).toMatch(/^ACME server: CSR /);
    });

    it("retries once with a fresh nonce when the server says badNonce", async () => {
      const base = undiciHttpClient({ caPem: pebble.tlsCaPem });
      const refusals: string[] = [];
      let spoiled = false;
      const fetch: FetchLike = async (url, init) => {
        const res = await base(url, init);
        const body = await res.text();
        if (res.status === 400 && body.includes("badNonce")) refusals.push(url);
        const spoil = !spoiled && res.headers.get("replay-nonce") !== null;
        spoiled ||= spoil;
        return {
          status: res.status,
          headers: { get: (n: string) => (spoil && n.toLowerCase() === "replay-nonce" ? "c3BvaWxlZA" : res.headers.get(n)) },
          text: () => Promise.resolve(body),
        };
      };
      await connector(storeWithCa(), { fetch }).prepare();
      expect(refusals).toHaveLength(1);
    });

    it("refuses identifiers ACME cannot certify before asking the server", async () => {
      await expect(connector().issue(await request({ uris: ["spiffe://x/y"] }))).rejects.toMatchObject({ reason: "UnsupportedIdentifier" });
    });

    it("a missing CA bundle Secret is a retryable ConnectorError", async () => {
      const c = new AcmeConnector(
        { server: pebble.directoryUrl, accountKeySecretRef: ACCOUNT, caBundleSecretRef: TLS_CA },
        new MemorySecretStore(),
        () => now,
        fast(),
      );
      await expect(c.prepare()).rejects.toMatchObject({ reason: "CABundleNotFound", retryable: true });
    });

    it("without the CA bundle the server's certificate is not trusted: CAUnreachable, retryable", async () => {
      const c = new AcmeConnector({ server: pebble.directoryUrl, accountKeySecretRef: ACCOUNT }, new MemorySecretStore(), () => now, fast());
      await expect(c.prepare()).rejects.toMatchObject({ reason: "CAUnreachable", retryable: true });
    });
  });
}

describe("acme connector faults (no pebble needed)", () => {
  it("an ACME server that accepts and never answers times out: CATimeout, retryable", async () => {
    const hung = await startHungServer();
    try {
      const c = new AcmeConnector({ server: `${hung.url}/dir`, accountKeySecretRef: ACCOUNT, timeouts: { headers: "1s" } }, new MemorySecretStore(), () => now);
      await expect(c.prepare()).rejects.toMatchObject({ reason: "CATimeout", retryable: true, message: `${hung.url} sent no response within 1s (headers timeout)` });
    } finally {
      await hung.close();
    }
  });

  it("the caller's signal stops the wait for a hung server: Cancelled", async () => {
    const hung = await startHungServer();
    try {
      const c = new AcmeConnector({ server: `${hung.url}/dir`, accountKeySecretRef: ACCOUNT }, new MemorySecretStore(), () => now);
      const controller = new AbortController();
      const call = c.prepare({ signal: controller.signal }).catch((e: unknown) => e);
      await hung.accepted;
      controller.abort();
      expect(await call).toMatchObject({ reason: "Cancelled", retryable: true });
    } finally {
      await hung.close();
    }
  });
});
