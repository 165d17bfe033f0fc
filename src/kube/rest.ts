// Thin REST transport over the API server. Authentication and TLS come from client-node's
// KubeConfig (kubeconfig files, in-cluster tokens, exec plugins); we only shape requests.
import { RequestContext, type HttpMethod, type KubeConfig } from "@kubernetes/client-node";
import { fetch } from "undici";
import { errorFromResponse, KubeApiError } from "./errors.ts";

export type PatchType = "merge" | "apply" | "json";

const CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  apply: "application/apply-patch+yaml",
  json: "application/json-patch+json",
};

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  patchType?: PatchType;
  signal?: AbortSignal;
  /** Abort a request that takes longer (not used for watches). */
  timeoutMs?: number;
}

export interface Impersonation {
  user: string;
  /**
   * At most one: undici joins repeated headers into one "a, b" value (fetch and HTTP/2 alike),
   * which the API server would read as a single group. For a ServiceAccount user leave it out:
   * the API server then adds system:serviceaccounts, system:serviceaccounts:<ns> and system:authenticated.
   */
  groups?: string[];
}

export class KubeRest {
  readonly config: KubeConfig;
  /** Counts writes (POST/PUT/PATCH/DELETE) so benchmarks can report API writes per issuance. */
  onWrite: ((verb: string, path: string) => void) | undefined;
  /** Act as another user (RBAC tests run the operator as its ServiceAccount this way). */
  readonly impersonate: Impersonation | undefined;

  constructor(config: KubeConfig, opts: { impersonate?: Impersonation } = {}) {
    if ((opts.impersonate?.groups?.length ?? 0) > 1) throw new Error("impersonate at most one group (see Impersonation.groups)");
    this.config = config;
    this.impersonate = opts.impersonate;
  }

  url(path: string, query?: RequestOptions["query"]): URL {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    const u = new URL(cluster.server.replace(/\/$/, "") + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** Sends a request and returns the raw response; the caller owns the body. */
  async send(method: string, path: string, opts: RequestOptions = {}) {
    const url = this.url(path, opts.query);
    const ctx = new RequestContext(url.toString(), method as HttpMethod);
    await this.config.applySecurityAuthentication(ctx);
    const headers = ctx.getHeaders() as unknown as Record<string, string>;
    headers.accept = "application/json";
    if (this.impersonate) {
      headers["impersonate-user"] = this.impersonate.user;
      const group = this.impersonate.groups?.[0];
      if (group) headers["impersonate-group"] = group;
    }
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers["content-type"] = opts.patchType ? CONTENT_TYPES[opts.patchType] : "application/json";
      body = JSON.stringify(opts.body);
    }
    if (method !== "GET") this.onWrite?.(method, path);
    const signals = [opts.signal, opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    return fetch(url, {
      method,
      headers,
      body,
      dispatcher: ctx.getDispatcher() as never,
      signal: signals.length ? AbortSignal.any(signals) : undefined,
    });
  }

  /** Sends a request and decodes the JSON answer, turning non-2xx into KubeApiError. */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, { timeoutMs: 30_000, ...opts });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      if (res.ok) throw new KubeApiError(res.status, "BadResponse", `non-JSON response from ${method} ${path}`);
    }
    if (!res.ok) throw errorFromResponse(res.status, json);
    return json as T;
  }
}
