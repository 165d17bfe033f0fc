import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FencedError, isFenced, type WriteFence } from "./fence.ts";
import { KubeRest, MAX_REQUEST_CONNECTIONS } from "./rest.ts";

interface Seen {
  method: string;
  url: string;
  authorization?: string;
}

let server: Server;
let connections = 0;
let seen: Seen[] = [];
/** Requests the test wants to hold open (they are answered when released). */
let hold: ((req: IncomingMessage) => boolean) | undefined;
const held: ServerResponse[] = [];

beforeEach(async () => {
  connections = 0;
  seen = [];
  hold = undefined;
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
    req.resume();
    if (hold?.(req)) {
      held.push(res);
      return;
    }
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ metadata: { name: "x" } }));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
});

afterEach(async () => {
  for (const res of held.splice(0)) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function rest(): KubeRest {
  const kc = new KubeConfig();
  const port = (server.address() as AddressInfo).port;
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "secret-token" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return new KubeRest(kc);
}

/** A fence driven by the test: open or shut, with the current term's signal. */
function fence(): WriteFence & { open: boolean; term: AbortController } {
  const f = {
    open: true,
    term: new AbortController(),
    check(): void {
      if (!f.open) throw new FencedError("not the leader");
    },
    get signal(): AbortSignal {
      return f.term.signal;
    },
  };
  return f;
}

describe("KubeRest", () => {
  // undici may open a second connection while the first is handed back after its body was read.
  it("reuses kept-alive connections for sequential requests, with the token on each", async () => {
    const r = rest();
    for (let i = 0; i < 30; i++) await r.request("GET", `/api/v1/namespaces/a/secrets/s${i}`);
    for (let i = 0; i < 10; i++) await r.request("PATCH", "/api/v1/namespaces/a/secrets/s", { body: {}, patchType: "merge" });
    expect(seen).toHaveLength(40);
    expect(seen.every((s) => s.authorization === "Bearer secret-token")).toBe(true);
    expect(connections).toBeLessThanOrEqual(2);
    expect(r.connectionsOpened).toBe(connections);
    await r.close();
  });

  it("never opens more than MAX_REQUEST_CONNECTIONS, however many requests run at once", async () => {
    const r = rest();
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => r.request("GET", `/api/v1/namespaces/a/secrets/c${i}`)));
    }
    expect(seen).toHaveLength(250);
    expect(connections).toBeLessThanOrEqual(MAX_REQUEST_CONNECTIONS);
    expect(r.connectionsOpened).toBe(connections);
    await r.close();
  });

  it("a shut fence refuses writes before they are sent, and lets reads through", async () => {
    const r = rest();
    const f = fence();
    r.fence = f;
    const written: string[] = [];
    r.onWrite = (verb) => written.push(verb);
    await r.request("PUT", "/api/v1/namespaces/a/secrets/s", { body: {} });
    f.open = false;
    await expect(r.request("PATCH", "/api/v1/namespaces/a/secrets/s", { body: {}, patchType: "merge" })).rejects.toBeInstanceOf(FencedError);
    await expect(r.request("DELETE", "/api/v1/namespaces/a/secrets/s")).rejects.toBeInstanceOf(FencedError);
    await r.request("GET", "/api/v1/namespaces/a/secrets/s");
    expect(seen.map((s) => s.method)).toEqual(["PUT", "GET"]);
    expect(written).toEqual(["PUT"]);
    await r.close();
  });

  it("the dispatcher checks again at the last moment (the fence may shut after send() looked)", async () => {
    const r = rest();
    let checks = 0;
    r.fence = {
      check() {
        if (++checks > 1) throw new FencedError("lease deadline passed");
      },
      signal: undefined,
    };
    const err = await r.request("POST", "/api/v1/namespaces/a/secrets", { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FencedError);
    expect(checks).toBe(2);
    expect(seen).toEqual([]);
    await r.close();
  });

  it("the end of the term aborts writes in flight", async () => {
    const r = rest();
    const f = fence();
    r.fence = f;
    hold = (req) => req.method === "PUT";
    const pending = r.request("PUT", "/api/v1/namespaces/a/secrets/s", { body: {} }).catch((e: unknown) => e);
    while (held.length === 0) await new Promise((res) => setTimeout(res, 5));
    f.term.abort(new FencedError("lost the lease"));
    expect(isFenced(await pending)).toBe(true);
    await r.close();
  });

  it("watches use their own connection", async () => {
    const r = rest();
    hold = (req) => (req.url ?? "").includes("watch=true");
    const ac = new AbortController();
    const watch = r.send("GET", "/api/v1/secrets", { query: { watch: true }, signal: ac.signal }).catch(() => undefined);
    while (held.length === 0) await new Promise((res) => setTimeout(res, 5));
    const before = connections;
    for (let i = 0; i < 5; i++) await r.request("GET", "/api/v1/namespaces/a/secrets/s");
    expect(before).toBe(1); // the watch's
    expect(connections).toBeGreaterThan(before); // the requests did not queue behind the watch
    ac.abort();
    await watch;
    await r.close();
  });
});
