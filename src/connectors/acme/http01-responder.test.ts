import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Http01Responder, type SharedAnswers } from "./http01-responder.ts";

const TOKEN = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
const challenge = { identifier: { type: "dns" as const, value: "a.example.com" }, token: TOKEN, keyAuthorization: `${TOKEN}.thumb` };

function get(port: number, path: string, method = "GET"): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, type: res.headers["content-type"] }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("http-01 responder", () => {
  const responder = new Http01Responder();
  let server: Awaited<ReturnType<Http01Responder["listen"]>>;
  beforeAll(async () => {
    server = await responder.listen(0, "127.0.0.1");
  });
  afterAll(() => server.close());

  it("answers the key authorization exactly, only between present and cleanup", async () => {
    const solver = responder.solver();
    expect((await get(server.port, `/.well-known/acme-challenge/${TOKEN}`)).status).toBe(404);
    await solver.present(challenge);
    expect(await get(server.port, `/.well-known/acme-challenge/${TOKEN}`)).toEqual({ status: 200, body: `${TOKEN}.thumb`, type: "application/octet-stream" });
    await solver.cleanup(challenge);
    expect((await get(server.port, `/.well-known/acme-challenge/${TOKEN}`)).status).toBe(404);
  });

  it("hostile paths and methods get 404 and never reach the shared store", async () => {
    const asked: string[] = [];
    const shared: SharedAnswers = { put: () => Promise.resolve(), remove: () => Promise.resolve(), get: (t) => Promise.resolve(void asked.push(t)) };
    const r = new Http01Responder({ shared });
    await r.solver().present(challenge);
    for (const path of ["/", "/.well-known/acme-challenge/", "/.well-known/acme-challenge/../../etc/passwd", `/.well-known/acme-challenge/${"a".repeat(300)}`, "/.well-known/acme-challenge/short", `/x/.well-known/acme-challenge/${TOKEN}`]) {
      expect(await r.answer(path)).toBeUndefined();
    }
    expect(asked).toEqual([]);
    expect((await get(server.port, `/.well-known/acme-challenge/${TOKEN}`, "POST")).status).toBe(404);
  });

  it("a follower answers from the shared store; a failing store is a 404, not a crash", async () => {
    const store = new Map<string, string>();
    const shared: SharedAnswers = {
      put: (t, v) => Promise.resolve(void store.set(t, v)),
      remove: (t) => Promise.resolve(void store.delete(t)),
      get: (t) => Promise.resolve(store.get(t)),
    };
    const leader = new Http01Responder({ shared });
    const follower = new Http01Responder({ shared });
    await leader.solver().present(challenge);
    expect(await follower.answer(`/.well-known/acme-challenge/${TOKEN}`)).toBe(`${TOKEN}.thumb`);
    await leader.solver().cleanup(challenge);
    expect(await follower.answer(`/.well-known/acme-challenge/${TOKEN}`)).toBeUndefined();
    const broken = new Http01Responder({ shared: { ...shared, get: () => Promise.reject(new Error("apiserver down")) } });
    expect(await broken.answer(`/.well-known/acme-challenge/${TOKEN}`)).toBeUndefined();
  });
});
