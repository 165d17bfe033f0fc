import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CRD_DIR, HEADER, checkCrds, renderCrdFiles } from "./gen-crds.ts";

describe("gen-crds", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function writeAll(): string {
    const dir = mkdtempSync(join(tmpdir(), "crds-"));
    dirs.push(dir);
    for (const [name, text] of renderCrdFiles()) writeFileSync(join(dir, name), text);
    return dir;
  }

  it("crds/ is in sync with src/api (run `npm run gen` if this fails)", () => {
    expect(checkCrds(CRD_DIR)).toEqual([]);
  });

  it("renders three CRDs with the header, as valid YAML", () => {
    const files = renderCrdFiles();
    expect([...files.keys()].sort()).toEqual([
      "certwright.dev_certificates.yaml",
      "certwright.dev_clusterraprofiles.yaml",
      "certwright.dev_raprofiles.yaml",
    ]);
    for (const text of files.values()) {
      expect(text.startsWith(HEADER)).toBe(true);
      expect((parse(text) as { kind: string }).kind).toBe("CustomResourceDefinition");
    }
  });

  it("--check finds a changed, a missing and a stale file", () => {
    const dir = writeAll();
    expect(checkCrds(dir)).toEqual([]);
    const cert = join(dir, "certwright.dev_certificates.yaml");
    writeFileSync(cert, readFileSync(cert, "utf8").replace("shortNames:\n      - cwc", "shortNames:\n      - cert"));
    rmSync(join(dir, "certwright.dev_raprofiles.yaml"));
    writeFileSync(join(dir, "certwright.dev_old.yaml"), "");
    const problems = checkCrds(dir);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^certwright.dev_certificates.yaml: line \d+: want " {6}- cwc", have " {6}- cert"$/);
    expect(problems[1]).toBe("certwright.dev_raprofiles.yaml: missing");
    expect(problems[2]).toMatch(/certwright.dev_old.yaml: no longer generated/);
  });
});
