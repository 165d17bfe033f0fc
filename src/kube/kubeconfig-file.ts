// Our own reader of kubeconfig files and the in-cluster ServiceAccount, for what an operator and
// its tests use: server, CA, client certificates, bearer tokens (inline or in a file), basic auth.
// Anything else (exec plugins, auth providers, proxies, impersonation) makes it answer undefined,
// and kubeconfig.ts hands the file to client-node instead. Reading it ourselves keeps the
// generated Kubernetes API of client-node (about 30 MiB of heap, 80 MiB of RSS) out of the process.
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { performance } from "node:perf_hooks";
import type { ConnectionOptions } from "node:tls";
import { parse } from "yaml";
import { basicAuth, type ClusterAccess } from "./cluster-access.ts";

export interface FileAccess {
  access: ClusterAccess;
  /** The context's namespace ("default" when it names none). */
  namespace: string;
}

export interface ReadOptions {
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** The ServiceAccount mount, /var/run/secrets/kubernetes.io/serviceaccount in a pod. */
  serviceAccountDir?: string;
  /** Milliseconds on any monotonic scale: token files are read again once a minute (the kubelet rotates projected tokens). */
  now?: () => number;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** Like client-go: a token file is read again at most once a minute. */
const TOKEN_FILE_TTL_MS = 60_000;
const KNOWN_CLUSTER = new Set(["server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify", "tls-server-name", "extensions"]);
const KNOWN_USER = new Set(["client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile", "username", "password", "extensions"]);

/**
 * Where client-node's loadFromDefault would look, in its order: the file given, $KUBECONFIG
 * (one file), ~/.kube/config, then the in-cluster ServiceAccount. Undefined when the source needs
 * client-node (see the file comment) or several $KUBECONFIG files are to be merged.
 */
export function readClusterAccess(o: ReadOptions = {}): FileAccess | undefined {
  const env = o.env ?? process.env;
  const now = o.now ?? (() => performance.now());
  const file = o.kubeconfig ?? (env.KUBECONFIG || undefined) ?? (existsSync(join(homedir(), ".kube", "config")) ? join(homedir(), ".kube", "config") : undefined);
  if (file !== undefined) return file.includes(":") && !o.kubeconfig ? undefined : fromKubeconfig(file, o.context, now);
  return inCluster(env, o.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, now);
}

type Doc = Record<string, unknown>;

function fromKubeconfig(file: string, contextOverride: string | undefined, now: () => number): FileAccess | undefined {
  const doc = (parse(readFileSync(file, "utf8")) ?? {}) as Doc;
  const contextName = contextOverride ?? (doc["current-context"] as string | undefined);
  const context = named(doc.contexts, "context", contextName);
  if (!context) throw new Error(contextName ? `kubeconfig ${file} has no context ${contextName}` : `kubeconfig ${file} has no current context`);
  const cluster = named(doc.clusters, "cluster", context.cluster as string | undefined);
  const user = named(doc.users, "user", context.user as string | undefined) ?? {};
  if (!cluster || typeof cluster.server !== "string") throw new Error(`kubeconfig ${file}: context ${contextName} has no cluster with a server`);
  if (!onlyKnown(cluster, KNOWN_CLUSTER) || !onlyKnown(user, KNOWN_USER)) return undefined;
  const base = dirname(file);
  const material = (dataKey: string, fileKey: string, from: Doc): Buffer | undefined => {
    const data = from[dataKey];
    if (typeof data === "string") return Buffer.from(data, "base64");
    const path = from[fileKey];
    return typeof path === "string" ? readFileSync(isAbsolute(path) ? path : join(base, path)) : undefined;
  };
  const tls: ConnectionOptions = {
    ca: material("certificate-authority-data", "certificate-authority", cluster),
    cert: material("client-certificate-data", "client-certificate", user),
    key: material("client-key-data", "client-key", user),
    rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
  };
  if (typeof cluster["tls-server-name"] === "string") tls.servername = cluster["tls-server-name"];
  const tokenFile = typeof user.tokenFile === "string" ? (isAbsolute(user.tokenFile) ? user.tokenFile : join(base, user.tokenFile)) : undefined;
  const headers = authFrom(user, tokenFile, now);
  return { access: { server: cluster.server.replace(/\/$/, ""), tls: dropUndefined(tls), staticHeaders: {}, authHeaders: headers }, namespace: (context.namespace as string | undefined) || "default" };
}

function inCluster(env: NodeJS.ProcessEnv, dir: string, now: () => number): FileAccess | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error("no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a cluster");
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const namespaceFile = join(dir, "namespace");
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, "utf8").trim() || "default" : "default";
  return { access: { server, tls: { ca: readFileSync(join(dir, "ca.crt")) }, staticHeaders: {}, authHeaders: tokenFileHeaders(join(dir, "token"), now) }, namespace };
}

function authFrom(user: Doc, tokenFile: string | undefined, now: () => number): () => Promise<Record<string, string>> {
  if (typeof user.token === "string") {
    const h = { authorization: `Bearer ${user.token}` };
    return () => Promise.resolve(h);
  }
  if (tokenFile) return tokenFileHeaders(tokenFile, now);
  if (typeof user.username === "string") {
    const h = { authorization: basicAuth(user.username, typeof user.password === "string" ? user.password : undefined) };
    return () => Promise.resolve(h);
  }
  return () => Promise.resolve({});
}

/** Bearer token from a file, read again once a minute. */
function tokenFileHeaders(path: string, now: () => number): () => Promise<Record<string, string>> {
  let cached: { at: number; headers: Record<string, string> } | undefined;
  return async () => {
    const t = now();
    if (!cached || t - cached.at >= TOKEN_FILE_TTL_MS) cached = { at: t, headers: { authorization: `Bearer ${(await readFile(path, "utf8")).trim()}` } };
    return cached.headers;
  };
}

function named(list: unknown, key: string, name: string | undefined): Doc | undefined {
  if (!Array.isArray(list) || name === undefined) return undefined;
  const entry = (list as Doc[]).find((e) => e?.name === name);
  return entry?.[key] as Doc | undefined;
}

function onlyKnown(d: Doc, known: Set<string>): boolean {
  return Object.keys(d).every((k) => known.has(k));
}

function dropUndefined(o: ConnectionOptions): ConnectionOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
