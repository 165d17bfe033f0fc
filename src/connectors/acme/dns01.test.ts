// dns-01 and failed validation through the connector, against pebble validating for real and a
// real BIND: the TSIG secret is read from the profile's Secret, records appear and disappear on
// the server, and each wrong setup fails with its own clear, correctly classified error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCsr } from "../../pki/csr.ts";
import { inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import type { IssueRequest } from "../connector.ts";
import { bindAvailable, startBind, type Bind } from "../testing/bind.ts";
import { MemorySecretStore } from "../testing/conformance.ts";
import { pebbleAvailable, startPebble, type Pebble } from "../testing/pebble.ts";
import { AcmeConnector, type AcmeAuthorityConfig } from "./acme-connector.ts";
import { Rfc2136Client } from "./dns/rfc2136.ts";
import { Http01Responder } from "./http01-responder.ts";

const now = new Date();
const fast = { pollIntervalMs: 20, pollAttempts: 300 };

async function request(dnsNames: string[]): Promise<IssueRequest> {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  return {
    csrPem: await buildCsr({ privateKeyPem: key, subject: {}, sans: { dnsNames } }),
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "server",
    subject: {},
    sans: { dnsNames },
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
  };
}

describe.runIf(pebbleAvailable && bindAvailable)("acme dns-01 and failed validations (pebble + BIND)", () => {
  let bind: Bind;
  let hidden: Bind; // a second server the CA never asks: updates there are the wrong answer
  let pebble: Pebble;
  const responder = new Http01Responder();
  let listener: Awaited<ReturnType<Http01Responder["listen"]>>;

  beforeAll(async () => {
    bind = await startBind();
    hidden = await startBind();
    listener = await responder.listen(0, "127.0.0.1");
    pebble = await startPebble({ dnsServer: bind.address, httpPort: listener.port });
  }, 60_000);
  afterAll(async () => {
    await pebble?.stop();
    await listener?.close();
    await bind?.stop();
    await hidden?.stop();
  });

  const connector = (server: Bind, opts: { zone?: string; secret?: string } = {}) => {
    const store = new MemorySecretStore();
    store.secrets.set("ca", { "ca.crt": pebble.tlsCaPem });
    store.secrets.set("tsig", { secret: opts.secret ?? server.keySecret });
    const config: AcmeAuthorityConfig = {
      server: pebble.directoryUrl,
      accountKeySecretRef: { name: "account", key: "tls.key" },
      caBundleSecretRef: { name: "ca", key: "ca.crt" },
      solvers: {
        dns01: {
          rfc2136: {
            nameserver: server.address, zone: opts.zone ?? server.zone, tsigKeyName: server.keyName, tsigAlgorithm: "hmac-sha256",
            tsigSecretSecretRef: { name: "tsig", key: "secret" }, ttl: 60, propagationTimeoutSeconds: 10,
          },
        },
        http01: {},
      },
    };
    return new AcmeConnector(config, store, () => new Date(), { ...fast, http01: responder });
  };
  const txt = (server: Bind, name: string) =>
    new Rfc2136Client({ host: "127.0.0.1", port: server.port, zone: server.zone, key: { name: server.keyName, secret: Buffer.from(server.keySecret, "base64") }, now: () => new Date() }).queryTxt(name);

  it("issues a wildcard through TSIG-signed updates, and removes the TXT record afterwards", async () => {
    const issued = await connector(bind).issue(await request(["*.dns.example.test"]));
    expect(inspectCertificate(issued.certificatePem).sans.dnsNames).toEqual(["*.dns.example.test"]);
    expect(await verifyIssuedBy(issued.chainPems.at(-1)!, await pebble.issuingRoot())).toBe(true);
    expect(await txt(bind, "_acme-challenge.dns.example.test")).toEqual([]);
  });

  it("a record published where the CA does not look: the CA's unauthorized problem, not retried", async () => {
    const error = await connector(hidden).issue(await request(["*.hidden.example.test"])).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "unauthorized", retryable: false });
    expect((error as Error).message).toMatch(/^ACME server: challenge dns-01 for \*\.hidden\.example\.test failed: urn:ietf:params:acme:error:unauthorized: /);
    expect(await txt(hidden, "_acme-challenge.hidden.example.test")).toEqual([]); // cleaned up after the failure too
  });

  it("an http-01 name that resolves where no solver listens: the CA's connection problem, retryable", async () => {
    const error = await connector(bind).issue(await request(["unreachable.example.test"])).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "connection", retryable: true });
    expect((error as Error).message).toContain("challenge http-01 for unreachable.example.test failed: urn:ietf:params:acme:error:connection: ");
  });

  it("a wrong TSIG secret is refused by BIND (BADSIG), not retried, and the secret never shows", async () => {
    const secret = Buffer.alloc(32, 9).toString("base64");
    const error = await connector(bind, { secret }).issue(await request(["*.badkey.example.test"])).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: "DNSUpdateRefused", retryable: false });
    expect((error as Error).message).toContain("NOTAUTH, BADSIG");
    expect((error as Error).message).not.toContain(secret);
  });

  it("a name outside the zone and a TSIG secret that is not base64 fail before any update", async () => {
    await expect(connector(bind, { zone: "other.test" }).issue(await request(["*.x.example.test"]))).rejects.toMatchObject({ reason: "DNSZoneMismatch", retryable: false });
    await expect(connector(bind, { secret: "not base64!" }).prepare()).rejects.toMatchObject({ reason: "TSIGSecretInvalid", retryable: false });
  });
});
