// The operator reaches the API server through our own kubeconfig reader, without loading
// client-node (its generated API costs about 30 MiB of heap): proven in a process of its own,
// whose module resolutions are recorded, against the real API server.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, inject, it } from "vitest";

const KUBECONFIG_TS = fileURLToPath(new URL("../../src/kube/kubeconfig.ts", import.meta.url));

function run(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 120_000, env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const probe = (connectArgs: string) => `
import { registerHooks } from "node:module";
const resolved = [];
registerHooks({ resolve(spec, ctx, next) { const r = next(spec, ctx); resolved.push(r.url); return r; } });
const { connect } = await import(${JSON.stringify(KUBECONFIG_TS)});
const { client, server, namespace } = await connect(${connectArgs});
const list = await client.list({ group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false });
await client.rest.close();
console.log(JSON.stringify({ server, namespace, namespaces: list.items.map((n) => n.metadata.name), clientNode: resolved.some((u) => u.includes("@kubernetes/client-node")) }));
`;

describe("connecting from a kubeconfig", () => {
  it("lists namespaces on the real API server with client certificates, and never loads client-node", async () => {
    const kubeconfig = inject("controlPlane").kubeconfig;
    const out = JSON.parse(await run(probe(JSON.stringify({ kubeconfig })), { ...process.env, KUBECONFIG: "" }));
    expect(out.namespaces).toContain("kube-system");
    expect(out.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(out.clientNode).toBe(false);
  });

  it("hands a kubeconfig it does not read itself (an exec plugin) to client-node, which runs the plugin", async () => {
    // The same cluster and client certificate, but the user also names an exec credential plugin:
    // client-node runs it and sends its token; the API server still authenticates the certificate.
    const { parse, stringify } = await import("yaml");
    const { readFile } = await import("node:fs/promises");
    const doc = parse(await readFile(inject("controlPlane").kubeconfig, "utf8"));
    const plugin = join(tmpdir(), `certwright-exec-${process.pid}.sh`);
    await writeFile(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}'\n`, { mode: 0o755 });
    doc.users[0].user.exec = { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" };
    const file = join(tmpdir(), `certwright-exec-kubeconfig-${process.pid}`);
    await writeFile(file, stringify(doc));
    const out = JSON.parse(await run(probe(JSON.stringify({ kubeconfig: file })), { ...process.env, KUBECONFIG: "" }));
    expect(out.namespaces).toContain("kube-system");
    expect(out.clientNode).toBe(true);
  });
});
