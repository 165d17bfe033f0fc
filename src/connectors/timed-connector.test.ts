import { describe, expect, it } from "vitest";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../pki/keys.ts";
import { inspectCertificate, verifyIssuedBy } from "../pki/inspect.ts";
import { createMetrics } from "../observability/metrics.ts";
import { ConnectorError, type Connector, type IssueRequest } from "./connector.ts";
import { LocalConnector } from "./local/local-connector.ts";
import { MemorySecretStore } from "./testing/conformance.ts";
import { timeIssuance, type IssuanceSample } from "./timed-connector.ts";

const start = new Date("2026-11-23T10:00:00Z");

/** A clock that moves on by `stepMs` each time it is read, so every call takes a known time. */
function steppingClock(stepMs: number): () => Date {
  let t = start.getTime();
  return () => {
    const d = new Date(t);
    t += stepMs;
    return d;
  };
}

async function request(): Promise<IssueRequest> {
  const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  return {
    csrPem: "",
    publicKeyPem: publicKeyPemFromPrivate(key),
    type: "server",
    subject: { commonName: "a.example.com" },
    sans: { dnsNames: ["a.example.com"] },
    notBefore: start,
    notAfter: new Date(start.getTime() + 86_400_000),
  };
}

async function histogram(metrics: ReturnType<typeof createMetrics>): Promise<string[]> {
  const text = await metrics.registry.metrics();
  return text.split("\n").filter((l) => /^certwright_issuance_duration_seconds_(count|sum)/.test(l));
}

describe("timeIssuance", () => {
  it("records a real local issuance in certwright_issuance_duration_seconds, by connector and result", async () => {
    const metrics = createMetrics();
    const clock = steppingClock(250);
    const local = new LocalConnector({ caSecretName: "ca", generate: true }, new MemorySecretStore(), () => start);
    await local.prepare();
    const timed = timeIssuance(local, (s) => metrics.issuanceDuration.observe({ connector: s.connector, result: s.result }, s.seconds), clock);
    const issued = await timed.issue(await request());
    expect(inspectCertificate(issued.certificatePem).sans.dnsNames).toEqual(["a.example.com"]);
    expect(await verifyIssuedBy(issued.certificatePem, issued.caPem)).toBe(true);
    expect(await histogram(metrics)).toEqual([
      'certwright_issuance_duration_seconds_sum{connector="local",result="success"} 0.25',
      'certwright_issuance_duration_seconds_count{connector="local",result="success"} 1',
    ]);
  });

  it("tells a refusal (not retried) from a failure (retried), and passes the error on", async () => {
    const samples: IssuanceSample[] = [];
    const failing = (e: Error): Connector => ({ type: "acme", issue: () => Promise.reject(e) }) as unknown as Connector;
    const refusal = new ConnectorError("Unauthorized", "account not allowed", false);
    const outage = new ConnectorError("CAUnreachable", "cannot reach", true);
    await expect(timeIssuance(failing(refusal), (s) => samples.push(s), steppingClock(1000)).issue(await request())).rejects.toBe(refusal);
    await expect(timeIssuance(failing(outage), (s) => samples.push(s), steppingClock(2000)).issue(await request())).rejects.toBe(outage);
    await expect(timeIssuance(failing(new Error("boom")), (s) => samples.push(s), steppingClock(0)).issue(await request())).rejects.toThrow("boom");
    expect(samples).toEqual([
      { connector: "acme", result: "refused", seconds: 1 },
      { connector: "acme", result: "failure", seconds: 2 },
      { connector: "acme", result: "failure", seconds: 0 },
    ]);
  });

  it("leaves every other member alone: same values, methods run on the connector itself", async () => {
    const local = new LocalConnector({ caSecretName: "ca", generate: true }, new MemorySecretStore(), () => start);
    const timed = timeIssuance(local, () => undefined, steppingClock(1));
    expect([timed.type, timed.handOff, timed.exactIssuance, [...timed.capabilities]]).toEqual([local.type, local.handOff, local.exactIssuance, [...local.capabilities]]);
    const { caPem } = await timed.prepare();
    expect(caPem).toBe((await local.prepare()).caPem);
    expect(await timed.revokedCount()).toBe(0);
  });
});
