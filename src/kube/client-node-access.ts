// ClusterAccess from client-node's KubeConfig: for kubeconfigs our own reader leaves to it (exec
// plugins, auth providers, proxies), and for tests that build a KubeConfig in memory. Only types
// are imported here: the operator loads client-node (tens of MiB of generated API) only when a
// kubeconfig needs it (see kubeconfig.ts).
import type { ConnectionOptions } from "node:tls";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Dispatcher } from "undici";
import { basicAuth, lowerCaseKeys, type ClusterAccess } from "./cluster-access.ts";

interface HttpsOptions extends ConnectionOptions {
  headers?: Record<string, string>;
}

// Members client-node has but does not declare public; they are what applySecurityAuthentication runs.
interface KubeConfigInternals {
  applyHTTPSOptions(opts: HttpsOptions): void;
  applyAuthorizationHeader(opts: HttpsOptions): Promise<void>;
  createDispatcher(cluster: unknown, agentOptions: HttpsOptions): Dispatcher | undefined;
}

export function clientNodeAccess(kc: KubeConfig): ClusterAccess {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const internals = kc as unknown as KubeConfigInternals;
  const opts: HttpsOptions = {};
  internals.applyHTTPSOptions(opts);
  const { headers, ...tls } = opts;
  const kind = kc.createDispatcherOptions(cluster, tls);
  return {
    server: cluster.server.replace(/\/$/, ""),
    tls: kind.type === "agent" ? { ...tls, ...kind.connect } : tls,
    staticHeaders: lowerCaseKeys(headers ?? {}),
    authHeaders: async () => {
      const o: HttpsOptions = { headers: {} };
      await internals.applyAuthorizationHeader(o);
      const user = kc.getCurrentUser();
      if (user?.username) o.headers!.Authorization = basicAuth(user.username, user.password);
      return lowerCaseKeys(o.headers ?? {});
    },
    // Proxies and SOCKS: client-node knows how; it is still built once per pool, not per request.
    customDispatcher: kind.type === "agent" || kind.type === "none" ? undefined : () => internals.createDispatcher(cluster, tls),
  };
}
