// A small least-recently-used map: parsing X.509 in JavaScript is the operator's main CPU cost,
// and the same certificate is read several times in a few seconds (the reconcile after its
// Secret is written, the one after its status is patched, the CA in every chain check). Bounded,
// so a cluster of 10,000 certificates does not keep 10,000 parses.
export class Lru<K, V> {
  private readonly entries = new Map<K, V>();

  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(key: K): V | undefined {
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    // Map keeps insertion order: re-inserting makes this the most recent.
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as K);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  /** The cached value, or compute() stored under the key. */
  getOrSet(key: K, compute: () => V): V {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const v = compute();
    this.set(key, v);
    return v;
  }

  get size(): number {
    return this.entries.size;
  }
}
