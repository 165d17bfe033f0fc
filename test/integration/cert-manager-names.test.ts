// certwright next to cert-manager: with a CRD named certificates.cert-manager.io installed (made
// here, no cert-manager code), every kubectl command our docs print must still reach certwright's
// objects. Run with the real kubectl, built from the kubernetes module at the control plane's
// version, which resolves names through API discovery as on any cluster; `kubectl certwright`
// goes through kubectl's plugin lookup on PATH.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { KubeObject } from "../../src/kube/objects.ts";
import { CRDS, type ResourceType } from "../../src/kube/resources.ts";
import { resolveBinaries } from "../../tools/control-plane/binaries.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const client = testClient();
const CM_CERTIFICATES: ResourceType = { group: "cert-manager.io", version: "v1", plural: "certificates", kind: "Certificate", namespaced: true };
let kubectl: string;
let ns: string;
let pathDir: string;
let op: RunningOperator;

/** cert-manager's CRD as far as names go: same kind, plural and singular, its short names. */
const certManagerCrd = {
  metadata: { name: "certificates.cert-manager.io" },
  spec: {
    group: "cert-manager.io",
    names: { kind: "Certificate", listKind: "CertificateList", plural: "certificates", singular: "certificate", shortNames: ["cert", "certs"], categories: ["cert-manager"] },
    scope: "Namespaced",
    versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
  },
};

function sh(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, {
      encoding: "utf8", cwd: ROOT, timeout: 180_000,
      env: { ...process.env, KUBECONFIG: inject("controlPlane").kubeconfig, PATH: `${pathDir}:${process.env.PATH ?? ""}` },
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }));
  });
}

/** Words of a shell command line (the docs' commands use plain words and quotes, no expansions). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

// The uninstall steps delete CRDs and the operator's Secrets: not on the shared control plane.
const DESTRUCTIVE = /^kubectl (delete|label|annotate)\b/;

// The bare "certificate(s)" is selected too, so that a doc using it fails here instead of being skipped.
const CERTWRIGHT = /\b(certificates?|cwc|rap|crp|certificates\.certwright\.dev|raprofiles\.certwright\.dev|clusterraprofiles\.certwright\.dev|certwright (status|inspect|inventory|renew))\b|examples\//;

/** Every `kubectl ...` command in the docs' sh blocks and inline code that addresses certwright's kinds. */
async function documentedCommands(): Promise<{ file: string; line: string }[]> {
  const out: { file: string; line: string }[] = [];
  for (const file of ["README.md", "docs/operations.md", "docs/connectors.md", "charts/certwright/templates/NOTES.txt"]) {
    const text = await readFile(join(ROOT, file), "utf8");
    const blockLines = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.replace(/\\\n\s*/g, " ").split("\n"));
    const inline = [...text.matchAll(/`(kubectl [^`]+)`/g)].map((m) => m[1]!);
    const notes = file.endsWith("NOTES.txt") ? text.split("\n") : [];
    for (const raw of [...blockLines, ...inline, ...notes]) {
      const line = raw.replace(/\s#.*$/, "").trim();
      if (line.startsWith("kubectl ") && CERTWRIGHT.test(line) && !line.includes("{{") && !DESTRUCTIVE.test(line)) out.push({ file, line });
    }
  }
  return out;
}

/** The command made runnable here: our namespace for the docs' ones, placeholders filled in. */
function runnable(line: string): string[] {
  const w = words(line).slice(1).map((x) => (x === "demo" || x === "open-finance" || x === "NS" ? ns : x === "NAME" ? "example-server" : x));
  const needsNs = !w.some((x) => ["-n", "-A", "--all-namespaces"].includes(x) || x.startsWith("--namespace")) && !w.includes("explain") && !w.includes("check");
  return needsNs ? [...w, "-n", ns] : w;
}

beforeAll(async () => {
  kubectl = (await resolveBinaries("kubectl")).kubectl ?? "";
  expect(kubectl).not.toBe("");
  pathDir = await mkdtemp(join(tmpdir(), "certwright-path-"));
  // kubectl finds plugins as kubectl-<name> on PATH; this one runs the plugin with the test's Node 22.
  const plugin = join(pathDir, "kubectl-certwright");
  await writeFile(plugin, `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, "bin/kubectl-certwright.js")}" "$@"\n`);
  await chmod(plugin, 0o755);
  if (!(await client.find(CRDS, undefined, certManagerCrd.metadata.name))) await client.create<KubeObject>(CRDS, certManagerCrd);
  await eventually(async () => {
    const crd = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(CRDS, undefined, certManagerCrd.metadata.name);
    return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
  }, 30_000, "cert-manager's CRD established");
  ns = await freshNamespace(client, "cm-names");
  // A cert-manager Certificate by the name of one of ours, and one of its own.
  for (const name of ["example-server", "cm-only"]) {
    await client.create<KubeObject>(CM_CERTIFICATES, { metadata: { name, namespace: ns }, spec: { secretName: `${name}-cm`, issuerRef: { name: "x" } } } as KubeObject);
  }
  op = await startOperator({ namespace: ns });
  await applyExamples(client, ns, ["00-ra-profile-local.yaml", "certificate-server.yaml", "certificate-transport.yaml"]);
  await waitReady(client, ns, "example-server");
  await waitReady(client, ns, "example-transport");
});

afterAll(async () => {
  await op?.stop();
  // Other tests list CRDs: leave only ours.
  await client.delete(CRDS, undefined, certManagerCrd.metadata.name);
  if (pathDir) await rm(pathDir, { recursive: true, force: true });
});

describe("with cert-manager's CRD installed", () => {
  it("the bare plural is ambiguous: kubectl picks one group, so the docs must not use it", async () => {
    const bare = await sh(kubectl, ["get", "certificates", "-n", ns, "-o", "name"]);
    const full = await sh(kubectl, ["get", "certificates.certwright.dev", "-n", ns, "-o", "name"]);
    expect(full.stdout.split("\n").filter(Boolean).sort()).toEqual(["certificate.certwright.dev/example-server", "certificate.certwright.dev/example-transport"]);
    // Whichever group kubectl chose, "certificates" is not certwright's alone any more.
    expect(bare.stdout).not.toBe(full.stdout);
  });

  it("every kubectl command the README, NOTES.txt and docs print reaches certwright's objects", async () => {
    const commands = await documentedCommands();
    expect(commands.map((c) => c.line)).toEqual(expect.arrayContaining([
      "kubectl get cwc -n demo", "kubectl wait --for=condition=Ready cwc/example-transport -n demo",
      "kubectl wait -n demo --for=condition=Ready cwc --all --timeout=2m",
    ]));
    expect(commands.length).toBeGreaterThanOrEqual(10);
    for (const { file, line } of commands) {
      const args = runnable(line);
      const r = await sh(kubectl, args);
      expect(r.code, `${file}: ${line}\n-> kubectl ${args.join(" ")}\n${r.stderr}`).toBe(0);
      const out = r.stdout + r.stderr;
      expect(out, `${file}: ${line}`).not.toContain("cert-manager.io");
      expect(out, `${file}: ${line}`).not.toContain("cm-only");
      if (/\b(get|wait)\b/.test(line) && /\bcwc\b|certificates\.certwright\.dev/.test(line)) expect(out, `${file}: ${line}`).toMatch(/example-(server|transport)/);
    }
  });

  it("kubectl explain, describe and the plugin through kubectl resolve to certwright", async () => {
    const explain = await sh(kubectl, ["explain", "cwc.spec.raProfileRef"]);
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toContain("GROUP:      certwright.dev");
    const describe = await sh(kubectl, ["describe", "cwc", "example-server", "-n", ns]);
    expect(describe.stdout).toContain("API Version:  certwright.dev/v1alpha1");
    const status = await sh(kubectl, ["certwright", "status", "example-server", "-n", ns]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain("Secret:       example-server-tls");
    const check = await sh(kubectl, ["certwright", "check"]);
    expect(check.stdout).toMatch(/certificates\.cert-manager\.io shares the plural: use cwc or certificates\.certwright\.dev/);
  });

  it("kubectl apply -f examples/ creates every profile before the Certificates that use it", async () => {
    const r = await sh(kubectl, ["apply", "-n", ns, "-f", "examples/", "--dry-run=server", "-o", "name"]);
    expect(r.code, r.stderr).toBe(0);
    const order = r.stdout.split("\n").filter(Boolean);
    const lastProfile = Math.max(...order.map((o, i) => (/raprofile/.test(o) ? i : -1)));
    const firstCertificate = order.findIndex((o) => o.startsWith("certificate.certwright.dev/"));
    expect(firstCertificate).toBeGreaterThan(lastProfile);
    expect(order.filter((o) => o.startsWith("certificate.")).length).toBe(4);
  });
});
