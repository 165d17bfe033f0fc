import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../connector.ts";
import { startHungServer, type HungServer } from "../testing/hung-server.ts";
import { DEFAULT_HTTP_TIMEOUTS, resolveTimeouts, undiciHttpClient } from "./http.ts";

// Small timeouts make the hung-CA cases finish quickly; nothing asserts how long they took.
const quick = { connectMs: 1000, headersMs: 100, bodyMs: 100 };
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function hungServer(): Promise<HungServer> {
  const server = await startHungServer();
  closers.push(() => server.close());
  return server;
}

/** An HTTP server with the given handler. */
async function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: HttpServer = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe("connector HTTP transport", () => {
  it("a CA that accepts and never answers times out: CATimeout, retryable, naming the origin only", async () => {
    const { url } = await hungServer();
    const fetch = undiciHttpClient({ timeouts: quick });
    const e = await failure(fetch(`${url}/v2/authorityProvider/x?token=abc`, { method: "POST", body: "{}" }));
    expect(e).toMatchObject({ reason: "CATimeout", retryable: true, message: `${url} sent no response within 100ms (headers timeout)` });
  });

  it("a CA that stops in the middle of its body times out on the body deadline", async () => {
    const url = await httpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"certificateData": "');
    });
    const e = await failure(undiciHttpClient({ timeouts: quick })(url, { method: "GET" }));
    expect(e).toMatchObject({ reason: "CATimeout", retryable: true, message: `${url} did not finish its response within 100ms (body timeout)` });
  });

  it("the caller's signal cancels a hung request: Cancelled, retryable", async () => {
    const { url, accepted } = await hungServer();
    const controller = new AbortController();
    const call = undiciHttpClient({ timeouts: { ...quick, headersMs: 600_000 } })(url, { method: "GET", signal: controller.signal });
    await accepted;
    controller.abort();
    expect(await failure(call)).toMatchObject({ reason: "Cancelled", retryable: true, message: `the request to ${url} was cancelled` });
    const already = await failure(undiciHttpClient({})(url, { method: "GET", signal: AbortSignal.abort() }));
    expect(already.reason).toBe("Cancelled");
  });

  it("refuses a reply over the size cap", async () => {
    const url = await httpServer((_req, res) => res.end("x".repeat(64 * 1024)));
    const e = await failure(undiciHttpClient({ timeouts: quick, maxResponseBytes: 1024 })(url, { method: "GET" }));
    expect(e).toMatchObject({ reason: "ResponseTooLarge", retryable: true, message: `${url} sent a response over the limit of 1024 bytes` });
  });

  it("a closed port is CAUnreachable, and credentials in the URL never reach the message", async () => {
    const { url } = await hungServer();
    const port = new URL(url).port;
    await closers.pop()!(); // nothing listens there now
    const e = await failure(undiciHttpClient({ timeouts: quick })(`http://user:hunter2@127.0.0.1:${port}/p?token=abc`, { method: "GET" }));
    expect(e).toMatchObject({ reason: "CAUnreachable", retryable: true });
    expect(e.message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+: /);
    expect(e.message).not.toMatch(/hunter2|token|abc/);
  });

  it("a server that reads the request and closes the connection without answering: ConnectionDropped, not CAUnreachable", async () => {
    const url = await httpServer((req) => {
      req.resume();
      req.on("end", () => req.socket.destroy());
    });
    const e = await failure(undiciHttpClient({ timeouts: quick })(`${url}/v2/secret-path`, { method: "POST", body: "{}" }));
    expect(e).toMatchObject({ reason: "ConnectionDropped", retryable: true });
    expect(e.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+ closed the connection without answering \(/);
    expect(e.message).not.toContain("secret-path");
  });

  it("reads status, headers and body of a normal reply", async () => {
    const url = await httpServer((req, res) => {
      res.writeHead(201, { location: "/order/1", "replay-nonce": "n1" });
      req.pipe(res);
    });
    const res = await undiciHttpClient({ timeouts: quick })(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" });
    expect([res.status, res.headers.get("Location"), res.headers.get("replay-nonce"), res.headers.get("x-none"), await res.text()]).toEqual([201, "/order/1", "n1", null, "hello"]);
  });
});

describe("resolveTimeouts", () => {
  it("fills in the defaults and parses the profile's overrides", () => {
    expect(resolveTimeouts(undefined)).toEqual(DEFAULT_HTTP_TIMEOUTS);
    expect(resolveTimeouts({ headers: "2m", connect: "3s" })).toEqual({ connectMs: 3000, headersMs: 120_000, bodyMs: 30_000 });
  });
});
