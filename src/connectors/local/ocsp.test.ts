// OCSP for the local CA, with the real openssl as the client: requests it builds (-reqout), our
// answers verified by it (-respin) against the CA, good / revoked with reason / unknown, nonce,
// delegated responder and CA-signed responses.
import { describe, expect, it } from "vitest";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { inspectCertificate } from "../../pki/inspect.ts";
import { openssl, withFiles } from "../../pki/testing/openssl.ts";
import { MemorySecretStore } from "../testing/conformance.ts";
import { LocalConnector } from "./local-connector.ts";
import { ocspSignerSecretName, OCSP_SIGNER_VALIDITY_MS } from "./ocsp-responder.ts";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const now = new Date("2026-11-23T10:00:00Z");
const at = String(Math.floor(now.getTime() / 1000));
// openssl checks thisUpdate/nextUpdate against the machine's time: allow any skew, check the times ourselves.
const TIME_OPTS = ["-attime", at, "-validity_period", "315360000"];

async function leaf(connector: LocalConnector, cn: string): Promise<string> {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const issued = await connector.issue({
    csrPem: "",
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "transport",
    subject: { commonName: cn },
    sans: {},
    notBefore: now,
    notAfter: new Date(now.getTime() + 86_400_000),
  });
  return issued.certificatePem;
}

/** openssl asks over HTTP (POST, as `openssl ocsp -url` does) and verifies the answer against the CA. */
async function ask(connector: LocalConnector, caPem: string, certPem: string, extra: { nonce?: boolean; issuerPem?: string; issued?: (s: string) => boolean } = {}) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void connector.ocsp(Buffer.concat(chunks), { issued: extra.issued }).then((der) => {
        res.writeHead(200, { "Content-Type": "application/ocsp-response" });
        res.end(der);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    return await withFiles({ "ca.pem": caPem, "issuer.pem": extra.issuerPem ?? caPem, "cert.pem": certPem }, async (p) => {
      const out = await openssl("ocsp", "-issuer", p("issuer.pem"), "-cert", p("cert.pem"), "-url", url, extra.nonce === false ? "-no_nonce" : "-nonce", "-CAfile", p("ca.pem"), "-resp_text", ...TIME_OPTS);
      return { ...out, all: out.stdout + out.stderr };
    });
  } finally {
    server.close();
  }
}

describe("local CA OCSP responder (openssl as the client)", () => {
  it("answers good, then revoked with reason and time, signed by a delegated responder with nonce echoed", async () => {
    const store = new MemorySecretStore();
    const connector = new LocalConnector({ caSecretName: "ca", generate: true }, store, () => now);
    const { caPem } = await connector.prepare();
    const cert = await leaf(connector, "transport-1");
    const good = await ask(connector, caPem, cert);
    expect(good.code, good.all).toBe(0);
    expect(good.all).toContain("Response verify OK");
    expect(good.all).toMatch(/cert\.pem: good/);
    expect(good.all).not.toContain("WARNING: no nonce in response");
    expect(good.all).toContain("OCSP Nonce");
    expect(good.all).toContain("This Update: Nov 23 10:00:00 2026 GMT");
    expect(good.all).toContain("Next Update: Nov 23 11:00:00 2026 GMT");
    // The delegated responder: OCSP signing only, nocheck, from the CA, stored for other replicas.
    const signer = store.secrets.get(ocspSignerSecretName("ca"));
    expect(signer?.["tls.crt"]).toBeDefined();
    const text = await withFiles({ "s.pem": signer!["tls.crt"]! }, (p) => openssl("x509", "-in", p("s.pem"), "-noout", "-text"));
    expect(text.stdout).toContain("OCSP Signing");
    expect(text.stdout).toContain("OCSP No Check");
    expect(good.all).toContain("Responder Id: "); // byKey

    await connector.revoke({ serialNumber: inspectCertificate(cert).serialNumber, reason: "keyCompromise", revokedAt: new Date("2026-11-23T10:30:00Z") });
    const revoked = await ask(connector, caPem, cert);
    expect(revoked.code, revoked.all).toBe(0);
    expect(revoked.all).toMatch(/cert\.pem: revoked/);
    expect(revoked.all).toContain("Reason: keyCompromise");
    expect(revoked.all).toContain("Revocation Time: Nov 23 10:30:00 2026 GMT");
  });

  it("answers unknown for a certificate of another CA and for a serial the inventory does not know", async () => {
    const connector = new LocalConnector({ caSecretName: "ca", generate: true }, new MemorySecretStore(), () => now);
    const { caPem } = await connector.prepare();
    const other = new LocalConnector({ caSecretName: "other", generate: true, commonName: "other CA" }, new MemorySecretStore(), () => now);
    const { caPem: otherCa } = await other.prepare();
    const foreign = await leaf(other, "foreign");
    // The client names the other CA as issuer: not ours, so unknown (signed by us, verified against our CA).
    const out = await ask(connector, caPem, foreign, { issuerPem: otherCa });
    expect(out.all, out.all).toMatch(/cert\.pem: unknown/);
    // openssl rightly does not take our responder as authorised for the other CA's certificates.
    expect(out.all).toContain("root ca not trusted");
    const ours = await leaf(connector, "not-in-inventory");
    const unknown = await ask(connector, caPem, ours, { issued: () => false });
    expect(unknown.all).toMatch(/cert\.pem: unknown/);
  });

  it("signs with the CA key when ocspSigner is CA, without a nonce when none was asked", async () => {
    const store = new MemorySecretStore();
    const connector = new LocalConnector({ caSecretName: "ca", generate: true, ocspSigner: "CA" }, store, () => now);
    const { caPem } = await connector.prepare();
    const cert = await leaf(connector, "t");
    const out = await ask(connector, caPem, cert, { nonce: false });
    expect(out.code, out.all).toBe(0);
    expect(out.all).toContain("Response verify OK");
    expect(out.all).not.toContain("OCSP Nonce");
    expect(store.secrets.has(ocspSignerSecretName("ca"))).toBe(false);
  });

  it("rotates the delegated responder halfway through its life", async () => {
    let t = now;
    const store = new MemorySecretStore();
    const connector = new LocalConnector({ caSecretName: "ca", generate: true }, store, () => t);
    const { caPem } = await connector.prepare();
    const cert = await leaf(connector, "t");
    await ask(connector, caPem, cert);
    const first = store.secrets.get(ocspSignerSecretName("ca"))!["tls.crt"];
    t = new Date(now.getTime() + OCSP_SIGNER_VALIDITY_MS / 2 - 120_000);
    await connector.ocsp(await requestFor(caPem, cert));
    expect(store.secrets.get(ocspSignerSecretName("ca"))!["tls.crt"]).toBe(first);
    t = new Date(now.getTime() + OCSP_SIGNER_VALIDITY_MS / 2 + 1000);
    await connector.ocsp(await requestFor(caPem, cert));
    const second = store.secrets.get(ocspSignerSecretName("ca"))!["tls.crt"];
    expect(second).not.toBe(first);
    expect(inspectCertificate(second!).notBefore.getTime()).toBeGreaterThan(now.getTime());
  });

  it("a CA certificate of the profile also carries the AIA OCSP URL on issued certificates", async () => {
    const connector = new LocalConnector({ caSecretName: "ca", generate: true, ocspServers: ["http://certwright.certwright:9403/ocsp/demo/local-ca"] }, new MemorySecretStore(), () => now);
    const cert = await leaf(connector, "t");
    const out = await withFiles({ "c.pem": cert }, (p) => openssl("x509", "-in", p("c.pem"), "-noout", "-ocsp_uri"));
    expect(out.stdout.trim()).toBe("http://certwright.certwright:9403/ocsp/demo/local-ca");
  });
});

async function requestFor(caPem: string, certPem: string): Promise<Buffer> {
  return withFiles({ "ca.pem": caPem, "cert.pem": certPem }, async (p) => {
    await openssl("ocsp", "-issuer", p("ca.pem"), "-cert", p("cert.pem"), "-reqout", p("req.der"));
    return readFile(p("req.der"));
  });
}

