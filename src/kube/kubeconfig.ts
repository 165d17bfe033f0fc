// Connecting from a kubeconfig, so that only src/kube knows how: main.ts and the CLI ask for a
// client and the server it talks to, nothing more. Our own reader serves in-cluster
// ServiceAccounts and plain kubeconfigs; client-node is loaded only for what it leaves over.
import { KubeClient } from "./client.ts";
import { KubeRest } from "./rest.ts";
import { readClusterAccess } from "./kubeconfig-file.ts";

export interface Connection {
  client: KubeClient;
  /** The API server's URL, for the start-up log. */
  server: string | undefined;
  /** The namespace the context names ("default" when it names none), as kubectl uses it. */
  namespace: string;
}

export interface ConnectOptions {
  /** A kubeconfig file; else KUBECONFIG, ~/.kube/config or the in-cluster service account. */
  kubeconfig?: string;
  /** A context of that kubeconfig other than its current one. */
  context?: string;
}

export async function connect(opts: ConnectOptions = {}): Promise<Connection> {
  const own = readClusterAccess(opts);
  if (own) return { client: new KubeClient(new KubeRest(own.access)), server: own.access.server, namespace: own.namespace };
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace || "default";
  return { client: KubeClient.fromKubeConfig(kc), server: kc.getCurrentCluster()?.server, namespace };
}
