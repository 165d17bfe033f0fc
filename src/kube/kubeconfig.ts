// Connecting from a kubeconfig, so that only src/kube touches @kubernetes/client-node: main.ts and
// the CLI ask for a client and the server it talks to, nothing more.
import { KubeConfig } from "@kubernetes/client-node";
import { KubeClient } from "./client.ts";

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

export function connect(opts: ConnectOptions = {}): Connection {
  const kc = new KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  if (opts.context) kc.setCurrentContext(opts.context);
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace || "default";
  return { client: KubeClient.fromKubeConfig(kc), server: kc.getCurrentCluster()?.server, namespace };
}
