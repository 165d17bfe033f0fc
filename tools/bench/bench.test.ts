import { describe, expect, it } from "vitest";
import { formatWrites, quantile } from "./figures.ts";
import { parseMetrics, sumOf } from "./operator-process.ts";
import { parseBenchOptions } from "./options.ts";

describe("bench helpers", () => {
  it("parses its flags and refuses what it does not know", () => {
    expect(parseBenchOptions([])).toEqual({ n: 1000, key: "ecdsa", restart: true });
    expect(parseBenchOptions(["--n", "10000", "--key=rsa", "--workers", "8", "--no-restart"])).toEqual({ n: 10000, key: "rsa", workers: 8, restart: false });
    expect(() => parseBenchOptions(["--n", "0"])).toThrow(/positive integer/);
    expect(() => parseBenchOptions(["--key", "dsa"])).toThrow(/ecdsa, rsa or ed25519/);
    expect(() => parseBenchOptions(["--fast"])).toThrow(/unknown argument --fast/);
  });

  it("takes quantiles by rank", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(xs, 0.5), quantile(xs, 0.99), quantile(xs, 1), quantile([], 0.5)]).toEqual([50, 99, 100, undefined]);
  });

  it("sums metric series by label", () => {
    const m = parseMetrics(['# HELP x', 'certwright_controller_reconcile_total{controller="certificate",result="success"} 7', 'certwright_controller_reconcile_total{controller="raprofile",result="success"} 2', "certwright_api_writes_total 3"].join("\n"));
    expect(sumOf(m, "certwright_controller_reconcile_total", 'controller="certificate"')).toBe(7);
    expect(sumOf(m, "certwright_controller_reconcile_total")).toBe(9);
    expect(sumOf(m, "certwright_api_writes_total")).toBe(3);
  });

  it("reports writes per certificate by verb and resource", () => {
    const w = (verb: string, resource: string, subresource?: string) => ({ user: "op", verb, resource, subresource, code: 201, at: 0 });
    expect(formatWrites([w("create", "secrets"), w("patch", "certificates", "status"), w("create", "secrets")], 2)).toBe("1.50 per certificate (3 in all): create secrets=1.00, patch certificates/status=0.50");
  });
});
