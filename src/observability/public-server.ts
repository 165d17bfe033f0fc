// The public listener: what relying parties outside the cluster fetch (JWK Sets, OCSP, CRLs),
// on a port of its own so that it can be exposed without exposing /metrics, and so that the
// operator's readiness never depends on it. GET and HEAD everywhere; POST only where a route
// asks for it (OCSP), with the body capped before it is read in full.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "./logger.ts";
import type { RouteRequest, RouteResponse } from "./http-server.ts";

export interface PublicRequest extends RouteRequest {
  method: "GET" | "HEAD" | "POST";
  /** POST bodies only. */
  body?: Buffer;
}

export type PublicHandler = (req: PublicRequest) => RouteResponse | Promise<RouteResponse>;

export interface PublicRoute {
  handler: PublicHandler;
  /** Accept POST (with a body of at most maxBodyBytes). */
  post?: boolean;
}

export interface PublicServerOptions {
  port: number;
  host?: string;
  /** Path or "/prefix/*" -> route. */
  routes: Record<string, PublicRoute>;
  /** Default 16 KiB. */
  maxBodyBytes?: number;
  log?: Logger;
}

export interface PublicServer {
  port: number;
  close(): Promise<void>;
}

const text = (status: number, body: string): RouteResponse => ({ status, contentType: "text/plain; charset=utf-8", body });

export async function startPublicServer(opts: PublicServerOptions): Promise<PublicServer> {
  const maxBody = opts.maxBodyBytes ?? 16 * 1024;
  const server = createServer((req, res) => {
    handle(opts, maxBody, req, res).catch(() => res.destroy());
  });
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function findRoute(routes: Record<string, PublicRoute>, path: string): PublicRoute | undefined {
  if (Object.hasOwn(routes, path)) return routes[path];
  for (const [pattern, route] of Object.entries(routes)) {
    if (pattern.endsWith("/*") && path.startsWith(pattern.slice(0, -1))) return route;
  }
  return undefined;
}

async function handle(opts: PublicServerOptions, maxBody: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const route = findRoute(opts.routes, url.pathname);
  const method = req.method ?? "GET";
  const allowed = route?.post ? "GET, HEAD, POST" : "GET, HEAD";
  let out: RouteResponse;
  if (!route) {
    out = text(404, "not found\n");
  } else if (!allowed.split(", ").includes(method)) {
    out = { ...text(405, "method not allowed\n"), headers: { Allow: allowed } };
  } else {
    const body = method === "POST" ? await readBody(req, maxBody) : undefined;
    if (body === "too large") {
      out = text(413, `request body larger than ${maxBody} bytes\n`);
      res.setHeader("Connection", "close");
    } else {
      try {
        out = await route.handler({ path: url.pathname, query: url.searchParams, headers: req.headers, method: method as PublicRequest["method"], body });
      } catch (err) {
        opts.log?.error({ path: url.pathname, error: err instanceof Error ? err.message : String(err) }, "HTTP handler failed");
        out = text(500, "internal error\n");
      }
    }
  }
  const bytes = typeof out.body === "string" ? Buffer.from(out.body) : out.body;
  res.writeHead(out.status ?? 200, { ...out.headers, "Content-Type": out.contentType, "Content-Length": String(bytes.byteLength) });
  res.end(method === "HEAD" ? undefined : bytes);
}

/** The body, or "too large" as soon as it passes the cap (declared or streamed). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too large"> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > max) return Promise.resolve("too large");
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.byteLength;
      if (size > max) {
        req.removeAllListeners("data");
        req.resume();
        resolve("too large");
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
