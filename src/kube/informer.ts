// List+watch cache for one resource type. client-node's informer only re-lists after 410 or a
// clean close; this one also survives socket errors and 5xx (API server restarts) by re-listing
// with capped back-off, and diffs the fresh list against its cache so handlers see what changed
// while it was disconnected.
import type { KubeClient, ListOptions } from "./client.ts";
import { KubeApiError } from "./errors.ts";
import { keyOf, type KubeObject } from "./objects.ts";
import { collectionPath, type ResourceType } from "./resources.ts";

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, obj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  /** Server-side watch timeout; the server closes the stream and we re-watch. */
  watchTimeoutSeconds?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onError?(err: unknown): void;
  /**
   * Applied to every object before it is cached and handed to handlers, to keep in memory only
   * what reconciles read (client-go's SetTransform). Default: drop metadata.managedFields, often
   * the largest part of an object and read by no reconciler.
   */
  transform?(obj: unknown): unknown;
}

/** The default transform: everything but metadata.managedFields. */
export function withoutManagedFields<T>(obj: T): T {
  const m = (obj as { metadata?: { managedFields?: unknown } }).metadata;
  if (!m?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = m;
  return { ...obj, metadata };
}

interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

type WatchEnd = "closed" | "gone" | "stopped";

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly client: KubeClient;
  private readonly resource: ResourceType;
  private readonly opts: InformerOptions;
  private resourceVersion: string | undefined;
  private synced = false;
  private stopped = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private readonly syncWaiters: (() => void)[] = [];
  /** Listed since the last connection error: the cache reflects the server (up to watch latency). */
  private current = false;
  private readonly currentWaiters: (() => void)[] = [];
  /** How many times the informer listed; tests read it to prove a re-list happened. */
  listCount = 0;

  constructor(client: KubeClient, resource: ResourceType, opts: InformerOptions = {}) {
    this.client = client;
    this.resource = resource;
    this.opts = opts;
  }

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Resolves once the informer has listed since its last connection error (a new leader term waits for it). */
  waitUntilCurrent(): Promise<void> {
    if (this.current) return Promise.resolve();
    return new Promise((resolve) => this.currentWaiters.push(resolve));
  }

  start(): Promise<void> {
    this.stopped = false;
    this.loop = this.run();
    return Promise.resolve();
  }

  /** Stops watching; never triggers a restart. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let delay = this.opts.backoffInitialMs ?? 200;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) await this.relist();
        needList = false;
        delay = this.opts.backoffInitialMs ?? 200;
        const end = await this.watchOnce();
        if (end === "gone") needList = true;
      } catch (err) {
        if (this.stopped) break;
        this.current = false;
        this.opts.onError?.(err);
        // A failed connection may have missed events: re-list once the server answers again.
        needList = true;
        await sleep(delay);
        delay = Math.min(delay * 2, this.opts.backoffMaxMs ?? 30_000);
      }
    }
  }

  private async relist(): Promise<void> {
    const listOpts: ListOptions = { namespace: this.opts.namespace, labelSelector: this.opts.labelSelector };
    const fresh = await this.client.list<T>(this.resource, listOpts);
    this.listCount++;
    this.resourceVersion = fresh.metadata.resourceVersion;
    const seen = new Set<string>();
    for (const obj of fresh.items) {
      const key = keyOf(obj);
      seen.add(key);
      this.upsert(obj);
    }
    for (const [key, old] of [...this.cache]) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit((h) => h.onDelete?.(old));
      }
    }
    if (!this.synced) {
      this.synced = true;
      this.syncWaiters.splice(0).forEach((w) => w());
    }
    this.current = true;
    this.currentWaiters.splice(0).forEach((w) => w());
  }

  private upsert(received: T): void {
    const obj = (this.opts.transform ?? withoutManagedFields)(received) as T;
    const key = keyOf(obj);
    const old = this.cache.get(key);
    this.cache.set(key, obj);
    if (!old) this.emit((h) => h.onAdd?.(obj));
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit((h) => h.onUpdate?.(old, obj));
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  private async watchOnce(): Promise<WatchEnd> {
    this.abort = new AbortController();
    const res = await this.client.rest.send("GET", collectionPath(this.resource, this.opts.namespace), {
      query: {
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        labelSelector: this.opts.labelSelector,
        timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300,
      },
      signal: this.abort.signal,
    });
    if (res.status === 410) return "gone";
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => "");
      throw new KubeApiError(res.status, `HTTP${res.status}`, `watch failed: ${text.slice(0, 200)}`);
    }
    try {
      return await this.consume(res.body);
    } catch (err) {
      if (this.stopped) return "stopped";
      throw err;
    }
  }

  private async consume(body: ReadableStream<Uint8Array>): Promise<WatchEnd> {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const chunk of body) {
      buffered += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line && this.handleEvent(JSON.parse(line) as WatchEvent<T>) === "gone") return "gone";
      }
    }
    return this.stopped ? "stopped" : "closed";
  }

  private handleEvent(ev: WatchEvent<T>): "gone" | undefined {
    if (ev.type === "ERROR") {
      const status = ev.object as unknown as { code?: number; message?: string };
      if (status.code === 410) return "gone";
      throw new KubeApiError(status.code ?? 500, "WatchError", status.message ?? "watch error");
    }
    this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
    if (ev.type === "BOOKMARK") return undefined;
    if (ev.type === "DELETED") {
      const key = keyOf(ev.object);
      this.cache.delete(key);
      this.emit((h) => h.onDelete?.(ev.object));
    } else {
      this.upsert(ev.object);
    }
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
