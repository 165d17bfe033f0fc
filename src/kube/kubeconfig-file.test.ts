import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readClusterAccess } from "./kubeconfig-file.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");

function kubeconfig(dir: string, body: { cluster: Record<string, unknown>; user: Record<string, unknown>; namespace?: string; extraContext?: boolean }): string {
  const file = join(dir, "config");
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: body.cluster }],
    users: [{ name: "u", user: body.user }],
    contexts: [
      { name: "x", context: { cluster: "c", user: "u", namespace: body.namespace } },
      ...(body.extraContext ? [{ name: "other", context: { cluster: "c", user: "u", namespace: "elsewhere" } }] : []),
    ],
    "current-context": "x",
  };
  writeFileSync(file, JSON.stringify(doc)); // JSON is YAML
  return file;
}

const tmp = () => mkdtempSync(join(tmpdir(), "kubeconfig-test-"));

describe("readClusterAccess: kubeconfig files", () => {
  it("reads server, inline CA and client certificate, and the context's namespace", async () => {
    const dir = tmp();
    const file = kubeconfig(dir, {
      cluster: { server: "https://10.0.0.1:6443/", "certificate-authority-data": b64("CA PEM"), "tls-server-name": "api.internal" },
      user: { "client-certificate-data": b64("CERT PEM"), "client-key-data": b64("KEY PEM") },
      namespace: "team-a",
    });
    const r = readClusterAccess({ kubeconfig: file, env: {} })!;
    expect(r.access.server).toBe("https://10.0.0.1:6443");
    expect([String(r.access.tls.ca), String(r.access.tls.cert), (r.access.tls.key as Buffer).toString()]).toEqual(["CA PEM", "CERT PEM", "KEY PEM"]);
    expect(r.access.tls.servername).toBe("api.internal");
    expect(r.access.tls.rejectUnauthorized).toBe(true);
    expect(r.namespace).toBe("team-a");
    expect(await r.access.authHeaders()).toEqual({});
  });

  it("resolves file paths against the kubeconfig's directory and honours insecure-skip-tls-verify", () => {
    const dir = tmp();
    mkdirSync(join(dir, "pki"));
    writeFileSync(join(dir, "pki", "ca.crt"), "CA FILE");
    writeFileSync(join(dir, "pki", "key.pem"), "KEY FILE");
    writeFileSync("/tmp/kubeconfig-test-abs-cert.pem", "CERT FILE");
    const file = kubeconfig(dir, {
      cluster: { server: "https://h:1", "certificate-authority": "pki/ca.crt", "insecure-skip-tls-verify": true },
      user: { "client-certificate": "/tmp/kubeconfig-test-abs-cert.pem", "client-key": "pki/key.pem" },
    });
    const r = readClusterAccess({ kubeconfig: file, env: {} })!;
    expect([String(r.access.tls.ca), String(r.access.tls.cert), (r.access.tls.key as Buffer).toString()]).toEqual(["CA FILE", "CERT FILE", "KEY FILE"]);
    expect(r.access.tls.rejectUnauthorized).toBe(false);
    expect(r.namespace).toBe("default");
  });

  it("sends a bearer token, a token file read again once a minute, or basic auth", async () => {
    const dir = tmp();
    expect(await readClusterAccess({ kubeconfig: kubeconfig(dir, { cluster: { server: "https://h:1" }, user: { token: "t0k" } }), env: {} })!.access.authHeaders()).toEqual({ authorization: "Bearer t0k" });
    expect(await readClusterAccess({ kubeconfig: kubeconfig(dir, { cluster: { server: "https://h:1" }, user: { username: "ann", password: "pw" } }), env: {} })!.access.authHeaders()).toEqual({
      authorization: `Basic ${b64("ann:pw")}`,
    });
    writeFileSync(join(dir, "token"), "first\n");
    let now = 0;
    const r = readClusterAccess({ kubeconfig: kubeconfig(dir, { cluster: { server: "https://h:1" }, user: { tokenFile: "token" } }), env: {}, now: () => now })!;
    expect(await r.access.authHeaders()).toEqual({ authorization: "Bearer first" });
    writeFileSync(join(dir, "token"), "second\n");
    now = 59_000;
    expect(await r.access.authHeaders()).toEqual({ authorization: "Bearer first" });
    now = 60_000;
    expect(await r.access.authHeaders()).toEqual({ authorization: "Bearer second" });
  });

  it("takes another context when asked, and names a missing one", () => {
    const dir = tmp();
    const file = kubeconfig(dir, { cluster: { server: "https://h:1" }, user: {}, extraContext: true });
    expect(readClusterAccess({ kubeconfig: file, context: "other", env: {} })!.namespace).toBe("elsewhere");
    expect(() => readClusterAccess({ kubeconfig: file, context: "nope", env: {} })).toThrow(/no context nope/);
  });

  it("leaves exec plugins, auth providers, proxies and merged KUBECONFIG lists to client-node", () => {
    const dir = tmp();
    const leaves = [
      kubeconfig(dir, { cluster: { server: "https://h:1" }, user: { exec: { command: "aws", apiVersion: "client.authentication.k8s.io/v1" } } }),
      kubeconfig(dir, { cluster: { server: "https://h:1" }, user: { "auth-provider": { name: "oidc" } } }),
      kubeconfig(dir, { cluster: { server: "https://h:1", "proxy-url": "http://proxy:3128" }, user: {} }),
      kubeconfig(dir, { cluster: { server: "https://h:1" }, user: { as: "someone-else" } }),
    ];
    for (const file of leaves) expect(readClusterAccess({ kubeconfig: file, env: {} })).toBeUndefined();
    expect(readClusterAccess({ env: { KUBECONFIG: `${join(dir, "a")}:${join(dir, "b")}` } })).toBeUndefined();
  });
});

describe("readClusterAccess: in the cluster", () => {
  it("uses the ServiceAccount's CA, token (re-read once a minute) and namespace; IPv6 hosts in brackets", async () => {
    const sa = tmp();
    writeFileSync(join(sa, "ca.crt"), "SA CA");
    writeFileSync(join(sa, "token"), "sa-token-1");
    writeFileSync(join(sa, "namespace"), "certwright\n");
    let now = 0;
    const home = tmp(); // no ~/.kube/config there
    const prevHome = process.env.HOME;
    process.env.HOME = home;
    try {
      const r = readClusterAccess({ env: { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" }, serviceAccountDir: sa, now: () => now })!;
      expect(r.access.server).toBe("https://[fd00::1]:443");
      expect(String(r.access.tls.ca)).toBe("SA CA");
      expect(r.namespace).toBe("certwright");
      expect(await r.access.authHeaders()).toEqual({ authorization: "Bearer sa-token-1" });
      writeFileSync(join(sa, "token"), "sa-token-2");
      now = 61_000;
      expect(await r.access.authHeaders()).toEqual({ authorization: "Bearer sa-token-2" });
      expect(() => readClusterAccess({ env: {}, serviceAccountDir: sa })).toThrow(/not running in a cluster/);
      // An empty KUBECONFIG counts as unset, as in kubectl.
      expect(readClusterAccess({ env: { KUBECONFIG: "", KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" }, serviceAccountDir: sa })!.access.server).toBe("https://10.0.0.1:443");
    } finally {
      process.env.HOME = prevHome;
    }
  });
});
