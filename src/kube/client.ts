// Typed CRUD over any resource. Status goes through the status subresource; patches say
// their content type explicitly (client-node defaults to JSON-Patch, which is rarely what we want).
import type { KubeConfig } from "@kubernetes/client-node";
import { isNotFound } from "./errors.ts";
import type { KubeObject, ObjectList } from "./objects.ts";
import { apiVersionOf, collectionPath, objectPath, type ResourceType } from "./resources.ts";
import { KubeRest, type PatchType } from "./rest.ts";

export const FIELD_MANAGER = "certwright";

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  limit?: number;
}

export class KubeClient {
  readonly rest: KubeRest;

  constructor(rest: KubeRest) {
    this.rest = rest;
  }

  static fromKubeConfig(kc: KubeConfig): KubeClient {
    return new KubeClient(new KubeRest(kc));
  }

  async get<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.rest.request<T>("GET", objectPath(r, namespace, name));
  }

  /** Like get, but undefined when the object does not exist. */
  async find<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(r, namespace, name);
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
      });
      items.push(...page.items);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    return { metadata: { resourceVersion: rv }, items };
  }

  async create<T extends KubeObject>(r: ResourceType, obj: T): Promise<T> {
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    return this.rest.request<T>("POST", collectionPath(r, obj.metadata.namespace), {
      body,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** PUT with optimistic concurrency: metadata.resourceVersion must be the one read. */
  async replace<T extends KubeObject>(r: ResourceType, obj: T): Promise<T> {
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    return this.rest.request<T>("PUT", objectPath(r, obj.metadata.namespace, obj.metadata.name ?? ""), {
      body,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  async patch<T extends KubeObject>(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: { type?: PatchType; subresource?: string; force?: boolean } = {},
  ): Promise<T> {
    const type = opts.type ?? "merge";
    return this.rest.request<T>("PATCH", objectPath(r, namespace, name, opts.subresource), {
      body: patch,
      patchType: type,
      query: { fieldManager: FIELD_MANAGER, force: type === "apply" ? (opts.force ?? true) : undefined },
    });
  }

  /** Merge-patches the status subresource only. */
  async patchStatus<T extends KubeObject>(r: ResourceType, namespace: string | undefined, name: string, status: unknown): Promise<T> {
    return this.patch<T>(r, namespace, name, { status }, { subresource: "status" });
  }

  /** Deletes; a missing object counts as deleted. */
  async delete(r: ResourceType, namespace: string | undefined, name: string, opts: { uid?: string } = {}): Promise<void> {
    try {
      await this.rest.request("DELETE", objectPath(r, namespace, name), {
        body: opts.uid ? { preconditions: { uid: opts.uid } } : undefined,
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
