// Copies crds/*.yaml (the one source, generated from src/api) into charts/certwright/files/crds/,
// where the chart renders them as templates so `helm upgrade` upgrades them too.
// `--check` writes nothing and exits 1 when the copies differ (for CI).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SOURCE_DIR = join(ROOT, "crds");
export const CHART_CRD_DIR = join(ROOT, "charts", "certwright", "files", "crds");
export const COPY_HEADER = "# Copied from crds/ by tools/sync-chart-crds.ts; do not edit.\n";

/** File name -> the text the chart copy must have. */
export function expectedCopies(source = SOURCE_DIR): Map<string, string> {
  const files = readdirSync(source).filter((f) => f.endsWith(".yaml")).sort();
  return new Map(files.map((f) => [f, COPY_HEADER + readFileSync(join(source, f), "utf8")]));
}

/** Problems found comparing the chart copies with crds/; empty when in sync. */
export function checkChartCrds(dir = CHART_CRD_DIR, want = expectedCopies()): string[] {
  const problems: string[] = [];
  for (const [name, text] of want) {
    const path = join(dir, name);
    if (!existsSync(path)) problems.push(`${name}: missing`);
    else if (readFileSync(path, "utf8") !== text) problems.push(`${name}: differs from crds/${name}`);
  }
  const stale = existsSync(dir) ? readdirSync(dir).filter((f) => !want.has(f)) : [];
  return [...problems, ...stale.map((f) => `${f}: not in crds/; delete it`)];
}

export function syncChartCrds(dir = CHART_CRD_DIR, want = expectedCopies()): void {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (!want.has(f)) rmSync(join(dir, f));
  for (const [name, text] of want) writeFileSync(join(dir, name), text);
}

function main(argv: string[]): number {
  if (argv.includes("--check")) {
    const problems = checkChartCrds();
    if (problems.length === 0) return 0;
    console.error(`charts/certwright/files/crds is out of date; run \`npm run gen\`:\n  ${problems.join("\n  ")}`);
    return 1;
  }
  syncChartCrds();
  console.log(`copied ${expectedCopies().size} CRDs into charts/certwright/files/crds/`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
