import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkChartCrds, COPY_HEADER, expectedCopies, syncChartCrds } from "./sync-chart-crds.ts";

describe("sync-chart-crds", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("the chart's CRDs are copies of crds/ (run `npm run gen` if this fails)", () => {
    expect(checkChartCrds()).toEqual([]);
    expect([...expectedCopies().keys()]).toHaveLength(3);
  });

  it("finds changed, missing and stale copies, and sync repairs them", () => {
    const dir = mkdtempSync(join(tmpdir(), "chart-crds-"));
    dirs.push(dir);
    syncChartCrds(dir);
    expect(checkChartCrds(dir)).toEqual([]);
    const [first, second] = [...expectedCopies().keys()];
    writeFileSync(join(dir, first!), COPY_HEADER + "changed\n");
    rmSync(join(dir, second!));
    writeFileSync(join(dir, "old.yaml"), "");
    expect(checkChartCrds(dir)).toEqual([`${first}: differs from crds/${first}`, `${second}: missing`, "old.yaml: not in crds/; delete it"]);
    syncChartCrds(dir);
    expect(checkChartCrds(dir)).toEqual([]);
  });
});
