// An informer cache lags behind our own writes. A reconcile triggered by the Secret we just wrote
// could read the Certificate's old status from the cache and issue a second time. FreshView
// remembers the objects our writes returned and answers with whichever copy is newer, until the
// informer has caught up.
//
// resourceVersion is documented as opaque; every etcd-backed API server hands out increasing
// integers, and we only compare versions of the same object, falling back to the cache when a
// version does not parse.
import type { KubeObject } from "./objects.ts";

export class FreshView<T extends KubeObject> {
  private readonly lookup: (key: string) => T | undefined;
  private readonly written = new Map<string, T>();

  constructor(lookup: (key: string) => T | undefined) {
    this.lookup = lookup;
  }

  /** Remember what a write returned (the server's view right after our change). */
  remember(key: string, obj: T): void {
    this.written.set(key, obj);
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  get(key: string): T | undefined {
    const cached = this.lookup(key);
    const mine = this.written.get(key);
    if (!mine) return cached;
    if (cached && !isOlder(cached, mine)) {
      this.written.delete(key); // the cache caught up
      return cached;
    }
    return mine;
  }
}

function version(o: KubeObject): bigint | undefined {
  try {
    return BigInt(o.metadata.resourceVersion ?? "");
  } catch {
    return undefined;
  }
}

function isOlder(a: KubeObject, b: KubeObject): boolean {
  const va = version(a);
  const vb = version(b);
  return va !== undefined && vb !== undefined && va < vb;
}
