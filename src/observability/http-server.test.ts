import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer, type HealthServer } from "./http-server.ts";
import { captureLogger } from "./log-capture.ts";
import { createMetrics } from "./metrics.ts";

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(state: { ready: boolean; healthy: boolean }) {
  const metrics = createMetrics();
  const logs = captureLogger();
  server = await startHealthServer({
    port: 0,
    host: "127.0.0.1",
    registry: metrics.registry,
    isReady: () => state.ready,
    isHealthy: () => state.healthy,
    log: logs.log,
    routes: { "/hello": () => ({ contentType: "text/plain", body: "hi" }) },
  });
  const port = server.port;
  const url = (path: string) => `http://127.0.0.1:${port}${path}`;
  return { metrics, logs, url };
}

describe("startHealthServer", () => {
  it("answers probes with 200 or 503 as the state changes", async () => {
    const state = { ready: false, healthy: true };
    const { url } = await start(state);
    expect((await fetch(url("/healthz"))).status).toBe(200);
    const notReady = await fetch(url("/readyz"));
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe("not ready\n");
    state.ready = true;
    state.healthy = false;
    expect((await fetch(url("/readyz"))).status).toBe(200);
    expect((await fetch(url("/healthz"))).status).toBe(503);
  });

  it("serves Prometheus text on /metrics", async () => {
    const { url, metrics } = await start({ ready: true, healthy: true });
    metrics.leader.set(1);
    const res = await fetch(url("/metrics"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain("certwright_leader 1");
  });

  it("serves added routes, binary bodies, 404, 405 and handler failures", async () => {
    const { url, logs } = await start({ ready: true, healthy: true });
    server!.addRoute("/crl", () => ({
      contentType: "application/pkix-crl",
      body: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]),
      headers: { "Cache-Control": "max-age=60" },
    }));
    server!.addRoute("/boom", () => {
      throw new Error("store unavailable");
    });
    expect(await (await fetch(url("/hello"))).text()).toBe("hi");
    const crl = await fetch(url("/crl?x=1"));
    expect(crl.headers.get("content-type")).toBe("application/pkix-crl");
    expect(crl.headers.get("cache-control")).toBe("max-age=60");
    expect(new Uint8Array(await crl.arrayBuffer())).toEqual(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]));
    expect((await fetch(url("/nope"))).status).toBe(404);
    expect((await fetch(url("/healthz"), { method: "POST" })).status).toBe(405);
    expect((await fetch(url("/boom"))).status).toBe(500);
    expect(logs.lines().find((l) => l.level === "error")).toMatchObject({ path: "/boom", error: "store unavailable" });
    const head = await fetch(url("/hello"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("2");
  });

  it("closes even with keep-alive connections open", async () => {
    const { url } = await start({ ready: true, healthy: true });
    await fetch(url("/healthz"), { headers: { connection: "keep-alive" } });
    await server!.close();
    server = undefined;
    await expect(fetch(url("/healthz"))).rejects.toThrow();
  });
});
