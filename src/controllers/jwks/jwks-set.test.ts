import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildJwks, type PublicJwk } from "../../pki/jwks.ts";
import { createCertificateAuthority, signCertificate } from "../../pki/ca.ts";
import { generatePrivateKey, type KeySpec } from "../../pki/keys.ts";
import { nextChangeInMs, nextState, publicMembers, servedKeys, type JwksState, type KnownKey } from "./jwks-set.ts";

const H = 3600_000;
const t0 = new Date("2026-11-23T10:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const jwk = (kid: string): PublicJwk => ({ kty: "EC", kid, use: "sig", alg: "ES256", crv: "P-256", x: "x", y: "y", x5c: [], "x5t#S256": kid });
const key = (kid: string, serial: string, notAfter = at(1000 * H)): KnownKey => ({ jwk: jwk(kid), serialNumber: serial, notAfter: notAfter.toISOString() });
const inputs = (live: KnownKey | undefined, now: Date, revoked: string[] = []) => ({ live, now, revoked: new Set(revoked), overlapMs: 24 * H });
const kids = (keys: PublicJwk[]) => keys.map((k) => k.kid);

describe("JWK Set rotation", () => {
  it("keeps a superseded key for the overlap under its own kid, then drops it", () => {
    let s: JwksState = nextState({ retired: [] }, inputs(key("a", "1"), t0));
    expect(kids(servedKeys(s, inputs(key("a", "1"), t0)))).toEqual(["a"]);
    // Rekey: a new kid; the old one stays, after the new one.
    s = nextState(s, inputs(key("b", "2"), at(H)));
    expect(kids(servedKeys(s, inputs(key("b", "2"), at(H))))).toEqual(["b", "a"]);
    expect(nextChangeInMs(s, inputs(key("b", "2"), at(H)))).toBe(24 * H);
    expect(kids(servedKeys(s, inputs(key("b", "2"), at(25 * H - 1))))).toEqual(["b", "a"]);
    expect(kids(servedKeys(s, inputs(key("b", "2"), at(25 * H))))).toEqual(["b"]);
    expect(nextState(s, inputs(key("b", "2"), at(25 * H))).retired).toEqual([]);
  });

  it("served sets are right even before the state is written (the old key is computed as retired)", () => {
    const s = nextState({ retired: [] }, inputs(key("a", "1"), t0));
    expect(kids(servedKeys(s, inputs(key("b", "2"), at(H))))).toEqual(["b", "a"]);
  });

  it("drops a revoked key at once: superseded or current", () => {
    let s = nextState({ retired: [] }, inputs(key("a", "1"), t0));
    s = nextState(s, inputs(key("b", "2"), at(H)));
    expect(kids(servedKeys(s, inputs(key("b", "2"), at(H), ["1"])))).toEqual(["b"]);
    expect(kids(servedKeys(s, inputs(key("b", "2"), at(H), ["2"])))).toEqual(["a"]);
    // A revoked current key replaced by a new one never enters the overlap.
    const r = nextState(s, inputs(key("c", "3"), at(2 * H), ["2"]));
    expect(kids(servedKeys(r, inputs(key("c", "3"), at(2 * H), ["2"])))).toEqual(["c", "a"]);
  });

  it("drops expired keys, keeps a renewal with the same key as one entry, caps the retired list", () => {
    let s = nextState({ retired: [] }, inputs(key("a", "1", at(2 * H)), t0));
    s = nextState(s, inputs(key("b", "2"), at(H)));
    expect(kids(servedKeys(s, inputs(key("b", "2"), at(2 * H))))).toEqual(["b"]);
    s = nextState(s, inputs(key("b", "3"), at(3 * H))); // renewed, same key: same kid
    expect(kids(servedKeys(s, inputs(key("b", "3"), at(3 * H))))).toEqual(["b"]);
    for (let i = 0; i < 10; i++) s = nextState(s, inputs(key(`k${i}`, `${10 + i}`), at((4 + i) * H)));
    expect(s.retired.length).toBe(5);
  });

  it("keeps the last known key while the Secret has no usable certificate", () => {
    const s = nextState(nextState({ retired: [] }, inputs(key("a", "1"), t0)), inputs(undefined, at(H)));
    expect(kids(servedKeys(s, inputs(undefined, at(H))))).toEqual(["a"]);
  });
});

const PRIVATE = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "r", "t"];

describe("only public members are ever served (property)", () => {
  it("whatever a stored state holds, private members never pass", () => {
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.array(fc.string()), fc.dictionary(fc.string(), fc.string()));
    const stored = fc.record({
      kty: fc.constantFrom("RSA", "EC", "OKP", "oct", "x"),
      kid: fc.string(),
      extra: fc.dictionary(fc.oneof(fc.constantFrom(...PRIVATE), fc.string()), anyValue),
    });
    fc.assert(
      fc.property(fc.array(stored, { maxLength: 4 }), (entries) => {
        const retired = entries.map((e, i) => ({ jwk: { ...e.extra, kty: e.kty, kid: `${e.kid}${i}` } as unknown as PublicJwk, serialNumber: `${i}`, notAfter: at(100 * H).toISOString(), retiredAt: t0.toISOString() }));
        const out = servedKeys({ retired }, inputs(undefined, at(H)));
        for (const k of out) {
          for (const m of PRIVATE) expect(Object.hasOwn(k, m)).toBe(false);
          for (const m of Object.keys(k)) expect(["kty", "kid", "use", "alg", "n", "e", "crv", "x", "y", "x5c", "x5t#S256"]).toContain(m);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("real keys of every algorithm: the built and served JWK has no private member", async () => {
    const ca = await createCertificateAuthority({ commonName: "ca", now: t0 });
    const specs: KeySpec[] = [{ algorithm: "RSA", size: 2048 }, { algorithm: "ECDSA", size: 256 }, { algorithm: "ECDSA", size: 384 }, { algorithm: "Ed25519" }];
    for (const spec of specs) {
      const priv = await generatePrivateKey(spec);
      const pem = await signCertificate({ issuer: ca, publicKeyPem: priv, subject: { commonName: "s" }, sans: {}, keyUsages: ["digitalSignature"], extKeyUsages: [], notBefore: t0, notAfter: at(H) });
      const built = (await buildJwks({ certificatePems: [pem, ca.certificatePem], use: "sig" })).keys[0]!;
      // Even when handed the private JWK itself, only public members leave.
      const { createPrivateKey } = await import("node:crypto");
      const full = { ...createPrivateKey(priv).export({ format: "jwk" }), kid: built.kid, use: "sig", alg: built.alg, x5c: built.x5c, "x5t#S256": built["x5t#S256"] } as unknown as PublicJwk;
      for (const k of [publicMembers(built), publicMembers(full)]) {
        for (const m of PRIVATE) expect(Object.hasOwn(k, m)).toBe(false);
      }
      expect(publicMembers(full)).toEqual(built);
    }
  });
});
