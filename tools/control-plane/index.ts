// A real kube-apiserver + etcd on loopback, envtest style (design.md section 4): serving and
// client certificates generated per run, /readyz polled, kubeconfig written, CRDs installed.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binaryVersions, resolveBinaries, type Binaries } from "./binaries.ts";
import { makeControlPlaneCerts, type ControlPlaneCerts } from "./certs.ts";
import { freePort, startProcess, startWatchdog, stopProcess, type Managed } from "./processes.ts";

export interface ControlPlaneInfo {
  dir: string;
  server: string;
  apiPort: number;
  etcdUrl: string;
  kubeconfig: string;
  certs: ControlPlaneCerts;
  binaries: Binaries;
}

export interface ControlPlane extends ControlPlaneInfo {
  stop(): Promise<void>;
}

export function apiServerArgs(info: Omit<ControlPlaneInfo, "kubeconfig" | "server">, port: number): string[] {
  const c = info.certs;
  return [
    `--etcd-servers=${info.etcdUrl}`,
    `--etcd-prefix=/registry`,
    `--secure-port=${port}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--cert-dir=${join(info.dir, "apiserver-certs")}`,
    `--tls-cert-file=${c.servingCert}`,
    `--tls-private-key-file=${c.servingKey}`,
    `--client-ca-file=${c.caCert}`,
    "--service-cluster-ip-range=10.0.0.0/24",
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${c.saPub}`,
    `--service-account-signing-key-file=${c.saKey}`,
    "--disable-admission-plugins=ServiceAccount",
    "--enable-priority-and-fairness=false",
    "--allow-privileged=true",
  ];
}

/** etcd on loopback: a single member, no fsync (tests and chaos runs, not data we keep). */
export function etcdArgs(dir: string, etcdUrl: string, peerPort: number): string[] {
  return [
    `--data-dir=${join(dir, "etcd")}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${peerPort}`, "--unsafe-no-fsync", "--log-level=error",
  ];
}

/** Starts one kube-apiserver on the given port against the shared etcd and waits for /readyz. */
export async function startApiServer(info: ControlPlaneInfo, port: number, name = "kube-apiserver", extraArgs: readonly string[] = []): Promise<Managed> {
  const proc = await startProcess(info.dir, name, info.binaries.kubeApiserver, [...apiServerArgs(info, port), ...extraArgs]);
  await waitFor(() => httpsOk(port, info.certs), 120_000, () => {
    if (proc.child.exitCode !== null) throw new Error(`${name} exited: see ${join(info.dir, `${name}.log`)}`);
  });
  return proc;
}

export async function startControlPlane(opts: { crdDir?: string; quiet?: boolean } = {}): Promise<ControlPlane> {
  const binaries = await resolveBinaries("control-plane");
  const dir = await mkdtemp(join(tmpdir(), "certwright-cp-"));
  const dog = startWatchdog(dir);
  const started: Managed[] = [];
  try {
    const certs = await makeControlPlaneCerts(dir);
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    started.push(await startProcess(dir, "etcd", binaries.etcd, etcdArgs(dir, etcdUrl, peerPort)));
    await waitFor(async () => (await fetch(`${etcdUrl}/health`).catch(() => undefined))?.ok === true, 60_000);
    const server = `https://127.0.0.1:${apiPort}`;
    const info: ControlPlaneInfo = { dir, server, apiPort, etcdUrl, kubeconfig: join(dir, "kubeconfig"), certs, binaries };
    started.push(await startApiServer(info, apiPort));
    await writeKubeconfig(info);
    const v = await binaryVersions(binaries);
    if (!opts.quiet) console.log(`control plane: kube-apiserver ${v.kubeApiserver}, etcd ${v.etcd}`);
    if (opts.crdDir) await (await import("./install-crds.ts")).installCrds(info.kubeconfig, opts.crdDir);
    const stop = async () => {
      for (const p of started.reverse()) await stopProcess(p, dir);
      dog.kill();
      await rm(dir, { recursive: true, force: true });
    };
    return { ...info, stop };
  } catch (e) {
    for (const p of started.reverse()) await stopProcess(p, dir, "SIGKILL");
    throw e;
  }
}

export async function writeKubeconfig(info: ControlPlaneInfo, user = "admin"): Promise<void> {
  const b64 = async (f: string) => (await readFile(f)).toString("base64");
  const yaml = `apiVersion: v1
kind: Config
clusters:
- name: certwright-test
  cluster:
    server: ${info.server}
    certificate-authority-data: ${await b64(info.certs.caCert)}
users:
- name: ${user}
  user:
    client-certificate-data: ${await b64(info.certs.adminCert)}
    client-key-data: ${await b64(info.certs.adminKey)}
contexts:
- name: certwright-test
  context: { cluster: certwright-test, user: ${user} }
current-context: certwright-test
`;
  await writeFile(info.kubeconfig, yaml, { mode: 0o600 });
}

export async function httpsOk(port: number, certs: ControlPlaneCerts): Promise<boolean> {
  const [ca, cert, key] = await Promise.all([readFile(certs.caCert), readFile(certs.adminCert), readFile(certs.adminKey)]);
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/readyz", ca, cert, key, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, guard?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    guard?.();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms`);
}
