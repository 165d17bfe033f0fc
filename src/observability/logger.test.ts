import { describe, expect, it } from "vitest";
import { captureLogger } from "./log-capture.ts";

// Not a key: a truncated PEM shape, assembled so no key-like literal sits in the repo.
const PEM = `-----BEGIN ${"PRIVATE"} KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----`;
const KEY_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7";

describe("createLogger", () => {
  it("writes JSON with Kubernetes-style keys", () => {
    const { log, lines } = captureLogger();
    log.child({ controller: "certificate", namespace: "ns", name: "web", reconcileID: "r1" }).info("Issued certificate");
    expect(lines()[0]).toMatchObject({
      level: "info",
      controller: "certificate",
      namespace: "ns",
      name: "web",
      reconcileID: "r1",
      msg: "Issued certificate",
    });
  });

  it("never writes a private key PEM, whatever field carries it", () => {
    const { log, raw, lines } = captureLogger("trace");
    const err = new Error(`parse failed: ${PEM}`);
    log.info({ pem: PEM }, "top-level field");
    log.info({ spec: { nested: { deeper: [PEM, { x: PEM }] } } }, "nested and arrays");
    log.info(`message with ${PEM}`);
    log.info("interpolated %s", PEM);
    log.error({ err }, "error object");
    log.child({ bound: PEM }).warn("child binding");
    log.info({ buf: Buffer.from(PEM) }, "buffer");
    log.child({ controller: "c" }).child({ grand: { pem: PEM } }).info("grandchild binding");
    const rebound = log.child({});
    rebound.setBindings({ later: PEM });
    rebound.info("setBindings");
    const out = raw.join("");
    expect(out).not.toContain("BEGIN");
    expect(out).not.toContain(KEY_BODY);
    expect(lines()).toHaveLength(9);
    expect(lines()[0]!.pem).toBe("[redacted]");
  });

  it("redacts secret fields by name even when they are not PEM", () => {
    const { log, raw } = captureLogger();
    const secret = "s3cr3t-value";
    log.info({ privateKey: secret, password: secret, token: secret, data: { "tls.key": secret } }, "top");
    log.info({ keystore: { password: secret }, auth: { token: secret }, secret: { data: { "tls.key": secret } } }, "one level");
    log.info({ tls: { key: secret }, files: { "tls.key": secret }, cert: { privateKey: secret } }, "tls");
    const out = raw.join("");
    expect(out).not.toContain(secret);
    expect(out.match(/\[redacted\]/g)?.length).toBe(10);
  });

  it("keeps ordinary values", () => {
    const { log, lines } = captureLogger();
    log.info({ serialNumber: "01:ab", notAfter: "2030-01-01T00:00:00Z" }, "Issued certificate");
    expect(lines()[0]).toMatchObject({ serialNumber: "01:ab", notAfter: "2030-01-01T00:00:00Z" });
  });
});
