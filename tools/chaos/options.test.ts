import { describe, expect, it } from "vitest";
import { parseOptions, SCENARIOS, seededRandom } from "./options.ts";

describe("chaos options", () => {
  it("defaults to every scenario, 500 certificates, 20 kills, a 25 s stop", () => {
    const o = parseOptions(["--seed", "42"]);
    expect(o).toMatchObject({ scenarios: [...SCENARIOS], n: 500, kills: 20, stopSeconds: 25, outageSeconds: undefined, seed: 42 });
  });

  it("takes scenario and outage lists, and refuses what it does not know", () => {
    expect(parseOptions(["--scenario=kill,ca-outage", "--n", "30", "--outage-seconds", "5,20"])).toMatchObject({ scenarios: ["kill", "ca-outage"], n: 30, outageSeconds: [5, 20] });
    expect(() => parseOptions(["--scenario", "flood"])).toThrow(/unknown scenario flood/);
    expect(() => parseOptions(["--n", "0"])).toThrow(/positive integer/);
    expect(() => parseOptions(["--speed", "1"])).toThrow(/unknown option --speed/);
  });

  it("the same seed gives the same kill points", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
