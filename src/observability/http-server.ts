// /healthz, /readyz and /metrics, plus GET routes other parts add later (e.g. the CRL).
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import type { Logger } from "./logger.ts";

export interface RouteRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export interface RouteResponse {
  status?: number;
  contentType: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: RouteRequest) => RouteResponse | Promise<RouteResponse>;

export interface HealthServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  isReady: () => boolean;
  isHealthy: () => boolean;
  routes?: Record<string, RouteHandler>;
  log?: Logger;
}

export interface HealthServer {
  /** The bound port (useful with port 0). */
  port: number;
  addRoute(path: string, handler: RouteHandler): void;
  close(): Promise<void>;
}

const text = (status: number, body: string): RouteResponse => ({ status, contentType: "text/plain; charset=utf-8", body });

function probe(check: () => boolean, failure: string): RouteHandler {
  return () => (check() ? text(200, "ok\n") : text(503, `${failure}\n`));
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const routes = new Map<string, RouteHandler>(Object.entries(opts.routes ?? {}));
  routes.set("/healthz", probe(opts.isHealthy, "unhealthy"));
  routes.set("/readyz", probe(opts.isReady, "not ready"));
  routes.set("/metrics", async () => ({
    contentType: opts.registry.contentType,
    body: await opts.registry.metrics(),
  }));

  const server = createServer((req, res) => {
    handle(routes, req, res, opts.log).catch(() => res.destroy());
  });
  // Probes and scrapes are small; don't let slow clients hold sockets.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    addRoute(path, handler) {
      routes.set(path, handler);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  routes: Map<string, RouteHandler>,
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger | undefined,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const handler = routes.get(url.pathname) ?? prefixRoute(routes, url.pathname);
  let out: RouteResponse;
  if (req.method !== "GET" && req.method !== "HEAD") {
    out = text(405, "method not allowed\n");
    res.setHeader("Allow", "GET, HEAD");
  } else if (!handler) {
    out = text(404, "not found\n");
  } else {
    try {
      out = await handler({ path: url.pathname, query: url.searchParams, headers: req.headers });
    } catch (err) {
      log?.error({ path: url.pathname, error: err instanceof Error ? err.message : String(err) }, "HTTP handler failed");
      out = text(500, "internal error\n");
    }
  }
  send(res, out, req.method === "HEAD");
}

/** A route registered as "/prefix/*" serves every path below it (e.g. /crl/*). */
function prefixRoute(routes: Map<string, RouteHandler>, path: string): RouteHandler | undefined {
  for (const [pattern, handler] of routes) {
    if (pattern.endsWith("/*") && path.startsWith(pattern.slice(0, -1))) return handler;
  }
  return undefined;
}

function send(res: ServerResponse, out: RouteResponse, headOnly: boolean): void {
  const body = typeof out.body === "string" ? Buffer.from(out.body) : out.body;
  res.writeHead(out.status ?? 200, {
    ...out.headers,
    "Content-Type": out.contentType,
    "Content-Length": String(body.byteLength),
  });
  res.end(headOnly ? undefined : body);
}
