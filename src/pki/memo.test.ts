import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Lru } from "./memo.ts";

describe("Lru", () => {
  it("keeps at most max entries, dropping the least recently used", () => {
    const m = new Lru<string, number>(2);
    m.set("a", 1);
    m.set("b", 2);
    expect(m.get("a")).toBe(1); // a is now the most recent
    m.set("c", 3);
    expect([m.get("a"), m.get("b"), m.get("c"), m.size]).toEqual([1, undefined, 3, 2]);
  });

  it("computes once per key while it stays cached", () => {
    const m = new Lru<string, { n: number }>(4);
    let calls = 0;
    const a = m.getOrSet("k", () => ({ n: ++calls }));
    const b = m.getOrSet("k", () => ({ n: ++calls }));
    expect(a).toBe(b);
    expect(calls).toBe(1);
  });

  it("agrees with a reference model on any sequence of operations", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 7 }))), (max, ops) => {
        const m = new Lru<number, number>(max);
        let model: [number, number][] = [];
        for (const [isSet, k] of ops) {
          if (isSet) {
            model = [...model.filter(([x]) => x !== k), [k, k * 10] as [number, number]].slice(-max);
            m.set(k, k * 10);
          } else {
            const hit = model.find(([x]) => x === k);
            if (hit) model = [...model.filter(([x]) => x !== k), hit];
            expect(m.get(k)).toBe(hit?.[1]);
          }
        }
        expect(m.size).toBe(model.length);
      }),
    );
  });
});
