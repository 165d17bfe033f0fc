// The control plane of a chaos run: the harness's etcd and kube-apiserver, plus an audit log of
// every write (so each write is attributed to the process that made it), a client certificate
// per operator process, and SIGKILL/restart of either component on the same port, args and data.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "../../src/kube/client.ts";
import { resolveBinaries } from "../control-plane/binaries.ts";
import { makeControlPlaneCerts } from "../control-plane/certs.ts";
import { etcdArgs, httpsOk, startApiServer, type ControlPlaneInfo } from "../control-plane/index.ts";
import { installCrds } from "../control-plane/install-crds.ts";
import { freePort, startProcess, startWatchdog, stopProcess, type Managed } from "../control-plane/processes.ts";
import { waitFor } from "./wait.ts";

const run = promisify(execFile);
const CRD_DIR = fileURLToPath(new URL("../../crds", import.meta.url));

// Writes only, at Metadata level: who wrote what and when, never a Secret's data.
const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  verbs: ["create", "update", "patch", "delete", "deletecollection"]
- level: None
`;

export interface ChaosCluster {
  info: ControlPlaneInfo;
  auditLog: string;
  /** A client as the admin user (the suite's own reads and writes). */
  admin: KubeClient;
  /** A kubeconfig for a new user in system:masters, so the audit log tells its writes apart. */
  kubeconfigFor(user: string): Promise<string>;
  killApiServer(): Promise<void>;
  /** Restarts on the same port with the same args; resolves when /readyz answers 200. */
  restartApiServer(): Promise<void>;
  killEtcd(): Promise<void>;
  /** Restarts on the same data dir; resolves when etcd and then the API server are healthy. */
  restartEtcd(): Promise<void>;
  /** Registers a process the watchdog kills should we die (operator replicas). */
  spawn(name: string, bin: string, args: string[]): Promise<Managed>;
  stop(): Promise<void>;
}

export async function startChaosCluster(): Promise<ChaosCluster> {
  const binaries = await resolveBinaries("control-plane");
  const dir = await mkdtemp(join(tmpdir(), "certwright-chaos-"));
  const dog = startWatchdog(dir);
  const certs = await makeControlPlaneCerts(dir);
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const info: ControlPlaneInfo = { dir, server: `https://127.0.0.1:${apiPort}`, apiPort, etcdUrl, kubeconfig: join(dir, "kubeconfig"), certs, binaries };
  const auditLog = join(dir, "audit.log");
  await writeFile(join(dir, "audit-policy.yaml"), AUDIT_POLICY);
  const auditArgs = [`--audit-policy-file=${join(dir, "audit-policy.yaml")}`, `--audit-log-path=${auditLog}`, "--audit-log-format=json", "--audit-log-maxsize=2000", "--audit-log-maxbackup=1"];
  const procs = new Map<string, Managed>();
  const startEtcd = async () => {
    procs.set("etcd", await startProcess(dir, "etcd", binaries.etcd, etcdArgs(dir, etcdUrl, peerPort)));
    await waitFor("etcd health", async () => (await fetch(`${etcdUrl}/health`).catch(() => undefined))?.ok === true, 120_000);
  };
  const startApi = async () => void procs.set("kube-apiserver", await startApiServer(info, apiPort, "kube-apiserver", auditArgs));
  const kill = async (name: string) => {
    const p = procs.get(name);
    if (p) await stopProcess(p, dir, "SIGKILL");
  };
  const stop = async () => {
    for (const p of [...procs.values()].reverse()) await stopProcess(p, dir, "SIGKILL").catch(() => undefined);
    dog.kill();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await startEtcd();
    await startApi();
    await writeKubeconfigFile(info, info.kubeconfig, certs.adminCert, certs.adminKey);
    await installCrds(info.kubeconfig, CRD_DIR);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    info,
    auditLog,
    admin: clientFor(info.kubeconfig),
    kubeconfigFor: (user) => userKubeconfig(info, user),
    killApiServer: () => kill("kube-apiserver"),
    restartApiServer: startApi,
    killEtcd: () => kill("etcd"),
    restartEtcd: async () => {
      await startEtcd();
      await waitFor("kube-apiserver /readyz after etcd", () => httpsOk(apiPort, certs), 180_000, 500);
    },
    spawn: async (name, bin, args) => {
      const p = await startProcess(dir, name, bin, args);
      procs.set(name, p);
      return p;
    },
    stop,
  };
}

export function clientFor(kubeconfig: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return KubeClient.fromKubeConfig(kc);
}

/** A client certificate CN=<user>, O=system:masters, signed by the harness CA. */
async function userKubeconfig(info: ControlPlaneInfo, user: string): Promise<string> {
  const p = (ext: string) => join(info.dir, `${user}.${ext}`);
  await writeFile(p("ext"), "extendedKeyUsage=clientAuth\n");
  await run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("key")]);
  await run("openssl", ["req", "-new", "-key", p("key"), "-subj", `/O=system:masters/CN=${user}`, "-out", p("csr")]);
  await run("openssl", [
    "x509", "-req", "-in", p("csr"), "-CA", info.certs.caCert, "-CAkey", info.certs.caKey, "-CAcreateserial",
    "-days", "2", "-extfile", p("ext"), "-out", p("crt"),
  ]);
  await writeKubeconfigFile(info, p("kubeconfig"), p("crt"), p("key"));
  return p("kubeconfig");
}

async function writeKubeconfigFile(info: ControlPlaneInfo, path: string, cert: string, key: string): Promise<void> {
  const b64 = async (f: string) => (await readFile(f)).toString("base64");
  await writeFile(path, `apiVersion: v1
kind: Config
clusters:
- name: chaos
  cluster:
    server: ${info.server}
    certificate-authority-data: ${await b64(info.certs.caCert)}
users:
- name: user
  user:
    client-certificate-data: ${await b64(cert)}
    client-key-data: ${await b64(key)}
contexts:
- name: chaos
  context: { cluster: chaos, user: user }
current-context: chaos
`, { mode: 0o600 });
}
