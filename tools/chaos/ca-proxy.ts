// A loopback proxy in front of the CZERTAINLY test server: answers 503 while `down`, and keeps
// the CA's issued list (serial and DNS names of every certificate the server handed out), which
// the test server itself does not record.
import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { inspectCertificate, splitPemBundle } from "../../src/pki/inspect.ts";
import { pemEncode } from "../../src/pki/pem.ts";

export interface CaProxy {
  url: string;
  down: boolean;
  /** Requests answered 503 because the CA was down. */
  refused: number;
  /** dnsName -> serials issued for it. */
  issued: Map<string, string[]>;
  stop(): Promise<void>;
}

export async function startCaProxy(target: string): Promise<CaProxy> {
  const state: CaProxy = { url: "", down: false, refused: 0, issued: new Map(), stop: () => Promise.resolve() };
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      if (state.down) {
        state.refused++;
        res.writeHead(503, { "content-type": "application/json" }).end(JSON.stringify({ message: "authority unavailable (chaos)" }));
        return;
      }
      const answer = await forward(target, req, body);
      if (answer.status === 200 && req.url?.endsWith("/certificates/issue")) record(state, answer.body);
      res.writeHead(answer.status, { "content-type": answer.contentType }).end(answer.body);
    }).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return state;
}

function record(state: CaProxy, body: Buffer): void {
  try {
    const data = String((JSON.parse(body.toString("utf8")) as { certificateData?: string }).certificateData ?? "");
    const leaf = data.includes("-----BEGIN") ? splitPemBundle(data)[0]! : pemEncode(Buffer.from(data, "base64"), "CERTIFICATE");
    const info = inspectCertificate(leaf);
    for (const d of info.sans.dnsNames ?? []) state.issued.set(d, [...(state.issued.get(d) ?? []), info.serialNumber]);
  } catch {
    // not a certificate we can read: the connector will say so
  }
}

function forward(target: string, req: IncomingMessage, body: Buffer): Promise<{ status: number; contentType: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const out = request(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers, timeout: 60_000 }, (res) => {
      readBody(res).then((b) => resolve({ status: res.statusCode ?? 502, contentType: String(res.headers["content-type"] ?? "application/json"), body: b }), reject);
    });
    out.on("error", reject);
    out.on("timeout", () => out.destroy(new Error("CA timed out")));
    out.end(body);
  });
}

function readBody(m: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    m.on("data", (c: Buffer) => chunks.push(c));
    m.on("end", () => resolve(Buffer.concat(chunks)));
    m.on("error", reject);
  });
}
