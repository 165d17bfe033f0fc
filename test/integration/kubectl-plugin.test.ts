// The kubectl plugin as users run it: bin/kubectl-certwright.js as a subprocess against the real
// control plane and a real operator process (`node src/main.ts`, leader election on), every verb,
// a full portal hand-off signed by openssl, and refused hand-backs that write nothing.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { CONFIG_MAPS, LEASES, SECRETS } from "../../src/kube/resources.ts";
import { openssl } from "../../src/pki/testing/openssl.ts";
import { freePort } from "../../tools/control-plane/processes.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { applyExamples, getCert, readyOf, secretData, waitReady } from "../harness/operator.ts";

const BIN = fileURLToPath(new URL("../../bin/kubectl-certwright.js", import.meta.url));
const COMPLETE_BIN = fileURLToPath(new URL("../../bin/kubectl_complete-certwright.js", import.meta.url));
const client = testClient();
let ns: string;
let dir: string;
let port: number;
let proc: ChildProcess;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the plugin with KUBECONFIG set as a user's shell would; never throws on a non-zero exit. */
function plugin(args: string[], bin = BIN): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 180_000, env: { ...process.env, KUBECONFIG: inject("controlPlane").kubeconfig } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await plugin(args);
  expect(r.code, `kubectl certwright ${args.join(" ")}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

const path = (name: string) => join(dir, name);

beforeAll(async () => {
  ns = await freshNamespace(client, "plugin");
  dir = await mkdtemp(join(tmpdir(), "certwright-plugin-"));
  port = await freePort();
  const main = fileURLToPath(new URL("../../src/main.ts", import.meta.url));
  proc = spawn(process.execPath, [
    main, "--kubeconfig", inject("controlPlane").kubeconfig, "--namespace", ns, "--metrics-port", String(port),
    "--metrics-host", "127.0.0.1", "--leader-election-namespace", ns, "--cluster-resource-namespace", ns,
    "--public-port", "0", "--public-host", "127.0.0.1", "--acme-http01-port", "0",
  ], { stdio: ["ignore", "ignore", "inherit"] });
  await applyExamples(client, ns, ["00-ra-profile-local.yaml", "certificate-transport.yaml"]);
  await waitReady(client, ns, "example-transport");
});

afterAll(async () => {
  if (proc?.exitCode === null) proc.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("kubectl certwright: conventions", () => {
  it("prints --version from package.json, help per verb, and exits 2 on usage errors", async () => {
    const pkg = JSON.parse(await readFile(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")) as { version: string };
    expect(await ok(["--version"])).toContain(`kubectl-certwright ${pkg.version}`);
    const help = await ok(["--help"]);
    for (const verb of ["status", "inspect", "renew", "rekey", "revoke", "csr", "handback", "inventory", "check", "completion"]) expect(help).toContain(verb);
    expect(await ok(["handback", "--help"])).toContain("--cert");
    for (const bad of [["frobnicate"], ["status"], ["revoke", "x", "-n", ns, "--reason", "bored"], ["status", "x", "--nope"], ["inventory", "-o", "xml"], ["status", "x", "-n", ns, "-A"]]) {
      const r = await plugin(bad);
      expect(r.code, bad.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^error: /);
    }
    const missing = await plugin(["status", "nope", "-n", ns]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`Certificate ${ns}/nope (certificates.certwright.dev) not found`);
  });

  it("completes verbs, flags and Certificate names (bash and zsh scripts, kubectl_complete-certwright)", async () => {
    expect(await ok(["completion", "bash"])).toContain("complete -o default -F");
    expect(await ok(["completion", "zsh"])).toContain("compdef");
    expect((await ok(["__complete", "re"])).split("\n")).toEqual(["renew", "rekey", "revoke", ":4", ""]);
    expect((await ok(["__complete", "status", "-n", ns, "example-"])).split("\n")).toEqual(["example-transport", ":4", ""]);
    expect(await ok(["__complete", "revoke", "--re"])).toContain("--reason");
    const viaKubectl = await plugin(["status", "-n", ns, ""], COMPLETE_BIN);
    expect(viaKubectl.stdout.split("\n")).toContain("example-transport");
  });
});

describe("kubectl certwright: verbs", () => {
  it("status shows conditions, the served certificate decoded (as openssl reads it), Events and history", async () => {
    const cert = await getCert(client, ns, "example-transport");
    const text = await ok(["status", "example-transport", "-n", ns]);
    expect(text).toContain(`Serial:       ${cert.status!.serialNumber}`);
    expect(text).toContain("Subject:      C=GB,O=Example Fintech Ltd,OU=Payments,CN=example-transport");
    expect(text).toContain("Issuer:       CN=certwright demo CA");
    expect(text).toContain("Key:          RSA 2048");
    expect(text).toContain("digitalSignature, keyEncipherment, clientAuth");
    expect(text).toMatch(/Ready\s+True/);
    const json = JSON.parse(await ok(["status", "example-transport", "-n", ns, "-o", "json"])) as {
      servedCertificate: { serialNumber: string; notAfter: string; fingerprintSHA256: string }; events: { reason: string }[]; history: unknown[]; secret: string;
    };
    expect(json.secret).toBe("example-transport-tls");
    expect(json.events.map((e) => e.reason)).toContain("Issued");
    expect(json.history).toHaveLength(1);
    const tls = (await secretData(client, ns, "example-transport-tls"))["tls.crt"]!;
    await writeFile(path("served.pem"), tls);
    const serial = (await openssl("x509", "-in", path("served.pem"), "-noout", "-serial")).stdout.trim().split("=")[1]!;
    expect(json.servedCertificate.serialNumber).toBe(serial.toLowerCase().replace(/^0+/, ""));
    const fp = (await openssl("x509", "-in", path("served.pem"), "-noout", "-fingerprint", "-sha256")).stdout.trim().split("=")[1]!;
    expect(json.servedCertificate.fingerprintSHA256).toBe(fp.replace(/:/g, "").toLowerCase());
    expect(await ok(["status", "example-transport", "-n", ns, "-o", "yaml"])).toContain(`serialNumber: ${json.servedCertificate.serialNumber}`);
  });

  it("inspect secret decodes the chain and the key's kind, and never prints key material", async () => {
    const text = await ok(["inspect", "secret", "example-transport-tls", "-n", ns]);
    expect(text).toContain("tls.key:      RSA 2048, matches tls.crt");
    expect(text).toContain("certwright.dev/certificate-name: example-transport");
    expect(text).not.toContain("PRIVATE KEY");
    const json = JSON.parse(await ok(["inspect", "secret", "example-transport-tls", "-n", ns, "-o", "json"])) as { certificates: { certificates: { isCA: boolean }[] }; ca: { certificates: { isCA: boolean }[] } };
    expect(json.certificates.certificates[0]!.isCA).toBe(false);
    expect(json.ca.certificates[0]!.isCA).toBe(true);
    expect((await plugin(["inspect", "secret", "nope", "-n", ns])).code).toBe(1);
  });

  it("renew and rekey set a fresh renewalRequest by server-side apply and wait for the new revision", async () => {
    const before = await getCert(client, ns, "example-transport");
    const keyBefore = (await secretData(client, ns, "example-transport-tls"))["tls.key"];
    expect(await ok(["renew", "example-transport", "-n", ns])).toContain("revision 2");
    const renewed = await getCert(client, ns, "example-transport");
    expect(renewed.status!.revision).toBe(before.status!.revision! + 1);
    expect((renewed.status as { lastRenewalRequestId?: string }).lastRenewalRequestId).toMatch(/^kubectl-certwright-/);
    expect(await ok(["rekey", "example-transport", "-n", ns])).toContain("revision 3");
    const keyAfter = (await secretData(client, ns, "example-transport-tls"))["tls.key"];
    expect(keyAfter).not.toBe(keyBefore);
    const managers = (renewed.metadata.managedFields as { manager: string; operation: string }[]).filter((m) => m.manager === "kubectl-certwright");
    expect(managers.map((m) => m.operation)).toEqual(["Apply"]);
  });

  it("inventory lists every certificate of the namespace, sortable, as a table and JSON", async () => {
    const rows = JSON.parse(await ok(["inventory", "-n", ns, "-o", "json"])) as { name: string; state: string; serialNumber: string }[];
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.state).sort()).toEqual(["issued", "superseded", "superseded"]);
    const table = await ok(["inventory", "-n", ns, "--sort", "name"]);
    expect(table.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+TYPE\s+PROFILE\s+SERIAL\s+EXPIRES IN\s+STATE$/);
    for (const r of rows) expect(table).toContain(r.serialNumber);
    expect(await ok(["inventory", "-A", "-o", "json"])).toContain(rows[0]!.serialNumber);
  });

  it("revoke applies spec.revocation under its own field manager and waits for Revoked", async () => {
    const serial = (await getCert(client, ns, "example-transport")).status!.serialNumber;
    const out = await ok(["revoke", "example-transport", "-n", ns, "--reason", "keyCompromise"]);
    expect(out).toContain(`revoked serial ${serial} (keyCompromise)`);
    const c = await getCert(client, ns, "example-transport");
    expect(readyOf(c)).toMatchObject({ status: "False", reason: "Revoked" });
    const mine = (c.metadata.managedFields as { manager: string; operation: string; fieldsV1: { "f:spec"?: Record<string, unknown> } }[]).find((m) => m.manager === "kubectl-certwright");
    expect(mine?.operation).toBe("Apply");
    expect(Object.keys(mine!.fieldsV1["f:spec"]!)).toContain("f:revocation");
  });

  it("the uninstall docs' selector finds exactly what the operator kept for its profiles, and the Lease", async () => {
    const selector = "app.kubernetes.io/managed-by=certwright,!certwright.dev/certificate-name";
    const secrets = await client.list<SecretObject>(SECRETS, { namespace: ns, labelSelector: selector });
    const configMaps = await client.list<KubeObject>(CONFIG_MAPS, { namespace: ns, labelSelector: selector });
    expect(secrets.items.map((s) => s.metadata.name).sort()).toEqual(["certwright-local-ca", "certwright-local-ca-crl-state"]);
    expect(configMaps.items.map((c) => c.metadata.name)).toEqual(["local-ca-crl"]);
    const certificateSecrets = await client.list<SecretObject>(SECRETS, { namespace: ns, labelSelector: "certwright.dev/certificate-name" });
    expect(certificateSecrets.items.map((s) => s.metadata.name)).toContain("example-transport-tls");
    expect(await client.find(LEASES, ns, "certwright-controller")).toBeDefined();
  });

  it("check passes with CRDs established and the operator leading, and fails without an operator", async () => {
    const out = await ok(["check", "--leader-election-namespace", ns, "--operator-url", `http://127.0.0.1:${port}`]);
    expect(out).toMatch(/CRD certificates\.certwright\.dev\s+yes\s+established/);
    expect(out).toMatch(new RegExp(`operator Lease ${ns}/certwright-controller\\s+yes\\s+held by`));
    expect(out).toMatch(/operator http:\/\/127\.0\.0\.1:\d+\/readyz\s+yes\s+200/);
    const none = await plugin(["check", "--leader-election-namespace", `${ns}-none`]);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/operator Lease .*NO\s+no operator has led yet/);
  });
});

describe("kubectl certwright: the manual hand-off", () => {
  let req: { csr: string; secretVersion: string };

  beforeAll(async () => {
    await client.create<KubeObject>(RA_PROFILES, {
      metadata: { name: "portal", namespace: ns },
      spec: { authority: { type: "manual", manual: { instructions: "Portal: Applications > Certificates > Upload CSR" } } },
    } as KubeObject);
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "tpp", namespace: ns },
      spec: {
        raProfileRef: { name: "portal" }, type: "transport", secretName: "tpp-tls",
        subject: { countries: ["BR"], organizations: ["TPP Ltda"], commonName: "tpp" },
        uris: ["https://tpp.example.com/app"], privateKey: { algorithm: "RSA", size: 2048 },
      },
    } as KubeObject);
    // The portal's CA, made with openssl as a directory would run it.
    expect((await openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("portal.key"), "-out", path("portal.pem"), "-days", "3650",
      "-subj", "/CN=Directory Portal CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")).code).toBe(0);
    await writeFile(path("transport.ext"), "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n");
    await eventually(async () => ((await client.find<SecretObject>(SECRETS, ns, "tpp-tls-request"))?.data?.["tls.csr"] ? true : undefined), 60_000, "the CSR");
  });

  /** What the portal does with an uploaded CSR: openssl x509 -req, the CSR's names copied. */
  async function portalSigns(csrFile: string, out: string, ext = "transport.ext"): Promise<void> {
    const r = await openssl("x509", "-req", "-in", path(csrFile), "-CA", path("portal.pem"), "-CAkey", path("portal.key"), "-CAcreateserial",
      "-days", "350", "-copy_extensions", "copy", "-extfile", path(ext), "-out", path(out));
    expect(r.code, r.stderr).toBe(0);
  }

  it("csr writes the pending CSR (to a file or stdout), as openssl reads it", async () => {
    const stdout = await ok(["csr", "tpp", "-n", ns]);
    const r = await plugin(["csr", "tpp", "-n", ns, "--out", path("tpp.csr")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Portal: Applications > Certificates > Upload CSR");
    expect(r.stderr).toContain(`kubectl certwright handback tpp -n ${ns} --cert`);
    const csr = await readFile(path("tpp.csr"), "utf8");
    expect(csr).toBe(stdout);
    expect((await secretData(client, ns, "tpp-tls-request"))["tls.csr"]).toBe(csr);
    const text = (await openssl("req", "-in", path("tpp.csr"), "-noout", "-verify", "-subject")).stdout;
    expect(text).toContain("CN = tpp");
    req = { csr, secretVersion: (await client.get<SecretObject>(SECRETS, ns, "tpp-tls-request")).metadata.resourceVersion! };
    const local = await plugin(["csr", "example-transport", "-n", ns]);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain("only the manual connector hands off a CSR");
  });

  it("refuses a certificate for another key, with other names, or without the chain's CA, and writes nothing", async () => {
    // Another key: what a person gets by uploading an old CSR.
    expect((await openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", path("other.key"), "-subj", "/C=BR/O=TPP Ltda/CN=tpp",
      "-addext", "subjectAltName=URI:https://tpp.example.com/app", "-out", path("other.csr"))).code).toBe(0);
    await portalSigns("other.csr", "other.pem");
    const wrongKey = await plugin(["handback", "tpp", "-n", ns, "--cert", path("other.pem")]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("refused, nothing written to Secret tpp-tls-request");
    expect(wrongKey.stderr).toMatch(/the certificate's public key \(SPKI SHA-256 [0-9a-f]{16}…\) is not the pending CSR's \([0-9a-f]{16}…\): it was issued for another CSR/);

    // The right key, but the portal added a name and left out clientAuth.
    await writeFile(path("bad.ext"), "keyUsage=critical,digitalSignature\nsubjectAltName=URI:https://tpp.example.com/app,DNS:extra.example.com\n");
    const r = await openssl("x509", "-req", "-in", path("tpp.csr"), "-CA", path("portal.pem"), "-CAkey", path("portal.key"), "-CAcreateserial", "-days", "350", "-extfile", path("bad.ext"), "-out", path("bad.pem"));
    expect(r.code, r.stderr).toBe(0);
    const bad = await plugin(["handback", "tpp", "-n", ns, "--cert", path("bad.pem")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("the certificate's names differ from the CSR's: not requested DNS:extra.example.com (CSR: URI:https://tpp.example.com/app)");
    expect(bad.stderr).toContain("the certificate lacks usages a transport certificate needs: keyEncipherment, clientAuth (it has digitalSignature)");

    // Signed right, but checked against a CA that did not issue it.
    await portalSigns("tpp.csr", "good.pem");
    await writeFile(path("served.pem"), (await secretData(client, ns, "example-transport-tls"))["ca.crt"]!);
    const wrongCa = await plugin(["handback", "tpp", "-n", ns, "--cert", path("good.pem"), "--ca", path("served.pem")]);
    expect(wrongCa.code).toBe(1);
    expect(wrongCa.stderr).toContain("no certificate of --ca issued certificate 1 (C=BR,O=TPP Ltda,CN=tpp) (its issuer is CN=Directory Portal CA)");

    const notPem = await plugin(["handback", "tpp", "-n", ns, "--cert", path("tpp.csr")]);
    expect(notPem.code).toBe(1);
    expect(notPem.stderr).toContain("--cert holds no PEM certificate");

    const after = await client.get<SecretObject>(SECRETS, ns, "tpp-tls-request");
    expect(after.metadata.resourceVersion).toBe(req.secretVersion);
    expect(after.data?.["tls.crt"]).toBeUndefined();
    expect(readyOf(await getCert(client, ns, "tpp"))).toMatchObject({ status: "False", reason: "AwaitingCertificate" });
  });

  it("hands back the certificate the portal signed with openssl, and the Certificate turns Ready", async () => {
    await portalSigns("tpp.csr", "good.pem");
    const out = await ok(["handback", "tpp", "-n", ns, "--cert", path("good.pem"), "--ca", path("portal.pem")]);
    const c = await waitReady(client, ns, "tpp");
    expect(out).toContain(`tpp: Ready, serial ${c.status!.serialNumber}`);
    const served = await secretData(client, ns, "tpp-tls");
    expect(served["tls.crt"]!.trim()).toBe((await readFile(path("good.pem"), "utf8")).trim());
    expect(served["ca.crt"]!.trim()).toBe((await readFile(path("portal.pem"), "utf8")).trim());
    await writeFile(path("served-tpp.pem"), served["tls.crt"]!);
    expect((await openssl("verify", "-CAfile", path("portal.pem"), path("served-tpp.pem"))).stdout).toContain(": OK");
    // Nothing pending any more: csr says so instead of printing the answered CSR.
    const again = await plugin(["csr", "tpp", "-n", ns]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("no CSR pending for tpp: the last one was answered");
  });

  it("renew of a hand-off Certificate publishes a new CSR and says so", async () => {
    const out = await ok(["renew", "tpp", "-n", ns]);
    expect(out).toContain("a new CSR is published");
    const csr = await eventually(async () => {
      const d = await secretData(client, ns, "tpp-tls-request");
      return d["tls.key"] && d["tls.csr"] !== req.csr ? d["tls.csr"] : undefined;
    }, 30_000, "a new CSR");
    expect(await ok(["csr", "tpp", "-n", ns])).toBe(csr);
  });
});
