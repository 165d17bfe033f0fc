// One coordination.k8s.io/v1 Lease, read and written with optimistic concurrency, for leader
// election. The elector sees plain Dates; V1MicroTime (microsecond precision) stays down here.
// Its requests go over connections of their own, unfenced: renewals never queue behind
// reconcile traffic, and the fence never stops the leader from renewing.
import type { KubeClient } from "./client.ts";
import type { KubeRest } from "./rest.ts";
import type { KubeObject } from "./objects.ts";
import { apiVersionOf, collectionPath, LEASES, objectPath } from "./resources.ts";
import { isNotFound } from "./errors.ts";

export interface LeaseRecord {
  /** Empty when released. */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  /** resourceVersion: an update must name the version it read. */
  version: string;
}

/** Where the election record lives. create and update fail when someone else wrote first. */
export interface LeaseStore {
  readonly description: string;
  get(signal?: AbortSignal): Promise<StoredLease | undefined>;
  create(record: LeaseRecord, signal?: AbortSignal): Promise<StoredLease>;
  update(record: LeaseRecord, version: string, signal?: AbortSignal): Promise<StoredLease>;
}

interface LeaseObject extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Date -> "2026-01-01T00:00:00.000000Z" (the API server refuses MicroTime without 6 digits). */
export function toMicroTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** Parses RFC 3339 with any number of fraction digits (Date.parse is not specified for more than 3). */
export function fromMicroTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const ms = (m[2] ?? "").padEnd(3, "0").slice(0, 3);
  const d = new Date(`${m[1]}.${ms}${m[3]}`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function toSpec(r: LeaseRecord): LeaseObject["spec"] {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTime ? toMicroTime(r.acquireTime) : undefined,
    renewTime: r.renewTime ? toMicroTime(r.renewTime) : undefined,
    leaseTransitions: r.leaseTransitions,
  };
}

function fromObject(o: LeaseObject): StoredLease {
  const s = o.spec ?? {};
  return {
    version: o.metadata.resourceVersion ?? "",
    record: {
      holderIdentity: s.holderIdentity ?? "",
      leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
      acquireTime: fromMicroTime(s.acquireTime),
      renewTime: fromMicroTime(s.renewTime),
      leaseTransitions: s.leaseTransitions ?? 0,
    },
  };
}

// Each call is bounded: a hung request must not outlive the renew deadline.
const REQUEST_TIMEOUT_MS = 10_000;

export class KubeLeaseStore implements LeaseStore {
  readonly description: string;
  private readonly rest: KubeRest;
  private readonly namespace: string;
  private readonly name: string;

  constructor(client: KubeClient, namespace: string, name: string) {
    this.rest = client.rest.dedicated();
    this.namespace = namespace;
    this.name = name;
    this.description = `${namespace}/${name}`;
  }

  async get(signal?: AbortSignal): Promise<StoredLease | undefined> {
    try {
      const o = await this.rest.request<LeaseObject>("GET", objectPath(LEASES, this.namespace, this.name), {
        signal, timeoutMs: REQUEST_TIMEOUT_MS,
      });
      return fromObject(o);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async create(record: LeaseRecord, signal?: AbortSignal): Promise<StoredLease> {
    const body: LeaseObject = {
      apiVersion: apiVersionOf(LEASES), kind: LEASES.kind, metadata: { name: this.name, namespace: this.namespace }, spec: toSpec(record),
    };
    const o = await this.rest.request<LeaseObject>("POST", collectionPath(LEASES, this.namespace), {
      body, signal, timeoutMs: REQUEST_TIMEOUT_MS,
    });
    return fromObject(o);
  }

  async update(record: LeaseRecord, version: string, signal?: AbortSignal): Promise<StoredLease> {
    const body: LeaseObject = {
      apiVersion: apiVersionOf(LEASES),
      kind: LEASES.kind,
      metadata: { name: this.name, namespace: this.namespace, resourceVersion: version },
      spec: toSpec(record),
    };
    const o = await this.rest.request<LeaseObject>("PUT", objectPath(LEASES, this.namespace, this.name), {
      body, signal, timeoutMs: REQUEST_TIMEOUT_MS,
    });
    return fromObject(o);
  }
}
