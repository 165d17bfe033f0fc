import { describe, expect, it } from "vitest";
import { FreshView } from "./fresh-view.ts";
import type { KubeObject } from "./objects.ts";

const obj = (rv: string, tag: string): KubeObject & { tag: string } => ({ metadata: { name: "a", resourceVersion: rv }, tag });

describe("FreshView", () => {
  it("prefers our newer write until the cache catches up, then the cache", () => {
    let cached = obj("10", "old");
    const view = new FreshView(() => cached);
    view.remember("a", obj("12", "mine"));
    expect(view.get("a")!.tag).toBe("mine");
    cached = obj("12", "cache");
    expect(view.get("a")!.tag).toBe("cache");
    cached = obj("11", "stale again");
    expect(view.get("a")!.tag).toBe("stale again"); // forgotten once caught up
  });

  it("a later change by someone else wins over our write", () => {
    const view = new FreshView(() => obj("20", "theirs"));
    view.remember("a", obj("15", "mine"));
    expect(view.get("a")!.tag).toBe("theirs");
  });

  it("a deleted object stays what we wrote until the informer says otherwise", () => {
    const view = new FreshView<KubeObject>(() => undefined);
    expect(view.get("a")).toBeUndefined();
    view.remember("a", obj("5", "mine"));
    expect(view.get("a")?.metadata.resourceVersion).toBe("5");
  });
});
