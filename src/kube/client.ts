// Typed CRUD over any resource. Status goes through the status subresource; patches say
// their content type explicitly (client-node defaults to JSON-Patch, which is rarely what we want).
// Every call takes an AbortSignal; withSignal() gives a client whose calls all carry one.
import type { KubeConfig } from "@kubernetes/client-node";
import { isNotFound } from "./errors.ts";
import type { KubeObject, ObjectList } from "./objects.ts";
import { apiVersionOf, collectionPath, objectPath, type ResourceType } from "./resources.ts";
import { KubeRest, type PatchType } from "./rest.ts";

export const FIELD_MANAGER = "certwright";

export interface CallOptions {
  /** Aborts the call (a reconcile passes ReconcileContext.signal). */
  signal?: AbortSignal;
}

export interface ListOptions extends CallOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
}

export interface PatchOptions extends CallOptions {
  type?: PatchType;
  subresource?: string;
  force?: boolean;
  /** Who owns the fields written (server-side apply); default "certwright", the operator. */
  fieldManager?: string;
}

export interface PatchStatusOptions extends CallOptions {
  /**
   * The resourceVersion the status was computed from. The API server then refuses the patch
   * with 409 Conflict (isConflict) if the object changed since: re-read and decide again.
   */
  resourceVersion?: string;
}

export interface DeleteOptions extends CallOptions {
  uid?: string;
}

export class KubeClient {
  readonly rest: KubeRest;
  private readonly signal: AbortSignal | undefined;

  constructor(rest: KubeRest, defaults: CallOptions = {}) {
    this.rest = rest;
    this.signal = defaults.signal;
  }

  static fromKubeConfig(kc: KubeConfig): KubeClient {
    return new KubeClient(new KubeRest(kc));
  }

  /** The same client (same transport and fence) whose every call also aborts with signal. */
  withSignal(signal: AbortSignal): KubeClient {
    return new KubeClient(this.rest, { signal: this.signal ? AbortSignal.any([this.signal, signal]) : signal });
  }

  async get<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string, opts: CallOptions = {}): Promise<T> {
    return this.rest.request<T>("GET", objectPath(r, namespace, name), { signal: this.signalOf(opts) });
  }

  /** Like get, but undefined when the object does not exist. */
  async find<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string, opts: CallOptions = {}): Promise<T | undefined> {
    try {
      return await this.get<T>(r, namespace, name, opts);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Lists all pages; the returned resourceVersion is the one to watch from. */
  async list<T extends KubeObject>(r: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.rest.request<ObjectList<T>>("GET", collectionPath(r, opts.namespace), {
        query: {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: opts.limit ?? 500,
          continue: cont,
          resourceVersion: cont ? undefined : opts.resourceVersion,
        },
        signal: this.signalOf(opts),
      });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    return { metadata: { resourceVersion: rv }, items };
  }

  async create<T extends KubeObject>(r: ResourceType, obj: T, opts: CallOptions = {}): Promise<T> {
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    return this.rest.request<T>("POST", collectionPath(r, obj.metadata.namespace), {
      body,
      query: { fieldManager: FIELD_MANAGER },
      signal: this.signalOf(opts),
    });
  }

  /** PUT with optimistic concurrency: metadata.resourceVersion must be the one read. */
  async replace<T extends KubeObject>(r: ResourceType, obj: T, opts: CallOptions = {}): Promise<T> {
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    return this.rest.request<T>("PUT", objectPath(r, obj.metadata.namespace, obj.metadata.name ?? ""), {
      body,
      query: { fieldManager: FIELD_MANAGER },
      signal: this.signalOf(opts),
    });
  }

  async patch<T extends KubeObject>(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: PatchOptions = {},
  ): Promise<T> {
    const type = opts.type ?? "merge";
    return this.rest.request<T>("PATCH", objectPath(r, namespace, name, opts.subresource), {
      body: patch,
      patchType: type,
      query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: type === "apply" ? (opts.force ?? true) : undefined },
      signal: this.signalOf(opts),
    });
  }

  /** Merge-patches the status subresource only; with resourceVersion, only if the object is unchanged. */
  async patchStatus<T extends KubeObject>(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    status: unknown,
    opts: PatchStatusOptions = {},
  ): Promise<T> {
    const body = opts.resourceVersion ? { metadata: { resourceVersion: opts.resourceVersion }, status } : { status };
    return this.patch<T>(r, namespace, name, body, { subresource: "status", signal: opts.signal });
  }

  /** Deletes; a missing object counts as deleted. */
  async delete(r: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<void> {
    try {
      await this.rest.request("DELETE", objectPath(r, namespace, name), {
        body: opts.uid ? { preconditions: { uid: opts.uid } } : undefined,
        signal: this.signalOf(opts),
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private signalOf(opts: CallOptions): AbortSignal | undefined {
    if (!opts.signal) return this.signal;
    return this.signal ? AbortSignal.any([this.signal, opts.signal]) : opts.signal;
  }
}
