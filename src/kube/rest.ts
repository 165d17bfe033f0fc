// Thin REST transport over the API server. Authentication and TLS come from a ClusterAccess
// (our kubeconfig reader, or client-node's KubeConfig for exec plugins and proxies).
// Connections are kept alive and reused: one undici Agent for requests and one for watches per
// KubeRest (client-node's applySecurityAuthentication would build a new Agent, so a new TCP+TLS
// connection, for every request). Writes pass the fence, when one is set, right before they leave.
import type { KubeConfig } from "@kubernetes/client-node";
import { Agent, fetch, type Dispatcher } from "undici";
import { clientNodeAccess } from "./client-node-access.ts";
import type { ClusterAccess } from "./cluster-access.ts";
import type { TokenBucket } from "./rate-limiter.ts";
import { errorFromResponse, KubeApiError } from "./errors.ts";
import { FencedError, isFenced, type WriteFence } from "./fence.ts";

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

interface Connections {
  requests: Dispatcher;
  watches: Dispatcher;
  closeAll(): Promise<void>;
  staticHeaders: Record<string, string>;
}

// HTTP/1.1 (allowH2: false): a replica paused past its lease (SIGSTOP) sometimes hung for good on
// resume over undici's HTTP/2 sessions; plain kept-alive HTTP/1.1 connections did not.
// Like client-go and client-node: TCP keep-alive probes start after 30 s of silence.
const KEEP_ALIVE = { keepAlive: true, keepAliveInitialDelay: 30_000 };
/** Connections per API server for requests; more concurrent requests wait for one (watches are not capped). */
export const MAX_REQUEST_CONNECTIONS = 8;

export class KubeRest {
  readonly access: ClusterAccess;
  /** Counts writes (POST/PUT/PATCH/DELETE) actually sent, so benchmarks can report API writes per issuance. */
  onWrite: ((verb: string, path: string) => void) | undefined;
  /** Act as another user (RBAC tests run the operator as its ServiceAccount this way). */
  readonly impersonate: Impersonation | undefined;
  /** When set (leader election on), every write must pass it immediately before it is sent. */
  fence: WriteFence | undefined;
  /** Client-side rate limit on requests (watches excepted); dedicated() clients (the Lease) have none. */
  limiter: TokenBucket | undefined;
  /** TCP connections opened so far, requests and watches together (tests prove reuse with it). */
  connectionsOpened = 0;
  /** Requests sent so far (watches included). */
  requestsSent = 0;
  private connections: Connections | undefined;

  /** From a ClusterAccess, or a client-node KubeConfig (tests build those in memory). */
  constructor(access: ClusterAccess | KubeConfig, opts: { impersonate?: Impersonation } = {}) {
    if ((opts.impersonate?.groups?.length ?? 0) > 1) throw new Error("impersonate at most one group (see Impersonation.groups)");
    this.access = "getCurrentCluster" in access ? clientNodeAccess(access) : access;
    this.impersonate = opts.impersonate;
  }

  /** Same server and user over connections of its own, with no fence (the Lease's own requests). */
  dedicated(): KubeRest {
    return new KubeRest(this.access, { impersonate: this.impersonate });
  }

  /** Closes the kept-alive connections; a later request opens new ones. */
  async close(): Promise<void> {
    const c = this.connections;
    this.connections = undefined;
    await c?.closeAll();
  }

  url(path: string, query?: RequestOptions["query"]): URL {
    const u = new URL(this.access.server + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  /** Sends a request and returns the raw response; the caller owns the body. */
  async send(method: string, path: string, opts: RequestOptions = {}) {
    const url = this.url(path, opts.query);
    await this.admit(opts);
    const conns = this.connect();
    const headers = await this.headersFor(conns, opts);
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const write = method !== "GET";
    // The last await is behind us: from here to the socket only the dispatcher's own check remains.
    if (write) this.fence?.check();
    const signal = anySignal(opts.signal, opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined, write ? this.fence?.signal : undefined);
    if (write) this.onWrite?.(method, path);
    this.requestsSent++;
    try {
      return await fetch(url, {
        method,
        headers,
        body,
        dispatcher: opts.query?.watch === true ? conns.watches : conns.requests,
        signal,
      });
    } catch (e) {
      // undici wraps what the dispatcher threw: hand the caller the FencedError itself.
      if (isFenced(e)) throw e instanceof FencedError ? e : (e as Error).cause;
      throw e;
    }
  }

  /** Waits for the rate limit's token; watches are long-lived and not limited. */
  private async admit(opts: RequestOptions): Promise<void> {
    if (this.limiter && opts.query?.watch !== true) await this.limiter.take();
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

  private async headersFor(conns: Connections, opts: RequestOptions): Promise<Record<string, string>> {
    const headers: Record<string, string> = { ...conns.staticHeaders, ...(await this.access.authHeaders()), accept: "application/json" };
    if (this.impersonate) {
      headers["impersonate-user"] = this.impersonate.user;
      const group = this.impersonate.groups?.[0];
      if (group) headers["impersonate-group"] = group;
    }
    if (opts.body !== undefined) headers["content-type"] = opts.patchType ? CONTENT_TYPES[opts.patchType] : "application/json";
    return headers;
  }

  /** Builds the two dispatchers once, from the access's TLS material (read once, not per request). */
  private connect(): Connections {
    if (this.connections) return this.connections;
    const { tls } = this.access;
    const make = (connections: number | null): Dispatcher => {
      const d = this.access.customDispatcher?.(connections) ?? new Agent({ connections, allowH2: false, connect: { ...tls, ...KEEP_ALIVE } });
      d.on("connect", () => this.connectionsOpened++);
      return d;
    };
    const requests = make(MAX_REQUEST_CONNECTIONS);
    const watches = make(null);
    const fenced = requests.compose((dispatch) => (o, handler) => {
      if (o.method !== "GET") this.fence?.check();
      return dispatch(o, handler);
    });
    this.connections = {
      requests: fenced,
      watches,
      staticHeaders: this.access.staticHeaders,
      closeAll: async () => {
        await Promise.all([requests.close(), watches.close()]);
      },
    };
    return this.connections;
  }
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const live = signals.filter((s): s is AbortSignal => s !== undefined);
  return live.length > 1 ? AbortSignal.any(live) : live[0];
}

