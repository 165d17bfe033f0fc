// What a KubeRest needs to reach the API server: its URL, TLS material, and the headers that
// authenticate each request. Two sources fill it: our own reader of kubeconfig files and the
// in-cluster ServiceAccount (kubeconfig-file.ts, in-cluster.ts), and client-node's KubeConfig for
// what we do not read ourselves (exec plugins, auth providers, proxies: client-node-access.ts).
import type { ConnectionOptions } from "node:tls";
import type { Dispatcher } from "undici";

export interface ClusterAccess {
  /** The API server's URL, without a trailing slash. */
  server: string;
  /** CA, client certificate and key, server name, verification: read once, for every connection. */
  tls: ConnectionOptions;
  /** Headers the same for every request (impersonation set in the kubeconfig). */
  staticHeaders: Record<string, string>;
  /** Per request: tokens may rotate (in-cluster token files, exec plugins). */
  authHeaders(): Promise<Record<string, string>>;
  /** A dispatcher of the source's own (proxies); undefined: a plain kept-alive connection pool. */
  customDispatcher?(connections: number | null): Dispatcher | undefined;
}

export function lowerCaseKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

export function basicAuth(username: string, password: string | undefined): string {
  return `Basic ${Buffer.from(`${username}:${password ?? ""}`).toString("base64")}`;
}
