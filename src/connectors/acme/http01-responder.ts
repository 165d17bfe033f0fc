// The operator's http-01 answer (RFC 8555 §8.3): GET /.well-known/acme-challenge/<token> on a
// listener of its own, answering the key authorization while the challenge is pending and 404
// before and after. Answers live in this process's memory; a `shared` store (written by the
// leader, read by every replica) lets followers behind the same Service answer too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Challenge, ChallengeSolver } from "./challenge-solver.ts";

const PREFIX = "/.well-known/acme-challenge/";
/** RFC 8555 §8.1: base64url, at least 128 bits; cap what we look up. */
const TOKEN = /^[A-Za-z0-9_-]{16,256}$/;

/** Where the leader publishes answers for the other replicas (a ConfigMap in the operator's namespace). */
export interface SharedAnswers {
  put(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
  get(token: string): Promise<string | undefined>;
}

/** Creates and deletes what routes a challenge's traffic to the listener (an Ingress, an HTTPRoute). */
export interface Http01Route {
  expose(c: Challenge): Promise<void>;
  withdraw(c: Challenge): Promise<void>;
}

export class Http01Responder {
  private readonly answers = new Map<string, string>();
  private readonly shared: SharedAnswers | undefined;

  constructor(opts: { shared?: SharedAnswers | undefined } = {}) {
    this.shared = opts.shared;
  }

  /** A solver that publishes here (and through the route, when one is given). */
  solver(route?: Http01Route): ChallengeSolver {
    return {
      type: "http-01",
      present: async (c) => {
        this.answers.set(c.token, c.keyAuthorization);
        await this.shared?.put(c.token, c.keyAuthorization);
        await route?.expose(c);
      },
      cleanup: async (c) => {
        this.answers.delete(c.token);
        await Promise.allSettled([this.shared?.remove(c.token), route?.withdraw(c)]);
      },
    };
  }

  /** How many challenges are being answered now (tests and metrics). */
  get pending(): number {
    return this.answers.size;
  }

  async answer(path: string): Promise<string | undefined> {
    if (!path.startsWith(PREFIX)) return undefined;
    const token = path.slice(PREFIX.length);
    if (!TOKEN.test(token)) return undefined;
    return this.answers.get(token) ?? (await this.shared?.get(token).catch(() => undefined));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const body = req.method === "GET" || req.method === "HEAD" ? await this.answer(path) : undefined;
    if (body === undefined) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    // The body is exactly the key authorization (§8.3): no trailing newline.
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  /** Listens on host:port (port 0 picks one); resolves with the bound port and a close(). */
  listen(port: number, host = "0.0.0.0"): Promise<{ port: number; close: () => Promise<void> }> {
    const server: Server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    server.headersTimeout = 10_000;
    server.requestTimeout = 10_000;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve({
          port: (server.address() as AddressInfo).port,
          close: () => new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
        });
      });
    });
  }
}
