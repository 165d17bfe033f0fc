import { describe, expect, it } from "vitest";
import {
  describeKey,
  generatePrivateKey,
  keyMatchesSpec,
  normalizeKeySpec,
  publicKeyPemFromPrivate,
  setKeyGenerationConcurrency,
  spkiSha256,
} from "./keys.ts";
import type { KeySpec } from "./keys.ts";
import { openssl, withFiles } from "./testing/openssl.ts";

describe("generatePrivateKey", () => {
  const kinds: [KeySpec, string, number | undefined][] = [
    [{ algorithm: "RSA" }, "RSA", 2048],
    [{ algorithm: "RSA", size: 3072 }, "RSA", 3072],
    [{ algorithm: "RSA", size: 4096 }, "RSA", 4096],
    [{ algorithm: "ECDSA" }, "ECDSA", 256],
    [{ algorithm: "ECDSA", size: 384 }, "ECDSA", 384],
    [{ algorithm: "Ed25519" }, "Ed25519", undefined],
  ];

  it.each(kinds)("generates %j as PKCS#8 PEM", async (spec, algorithm, size) => {
    const pem = await generatePrivateKey(spec);
    expect(pem).toMatch(/^-----BEGIN PRIVATE\sKEY-----\n/);
    expect(describeKey(pem)).toEqual({ algorithm, size });
    expect(keyMatchesSpec(pem, spec)).toBe(true);
    await withFiles({ "key.pem": pem }, async (path) => {
      const res = await openssl("pkey", "-in", path("key.pem"), "-check", "-noout");
      // openssl 3.0 has no -check for Ed25519 keys; it must still parse them.
      if (algorithm !== "Ed25519") expect(res.stdout + res.stderr).toMatch(/valid/i);
      expect((await openssl("pkey", "-in", path("key.pem"), "-noout")).code).toBe(0);
    });
  });

  it.each([
    [{ algorithm: "RSA", size: 1024 }, /unsupported RSA key size 1024/],
    [{ algorithm: "RSA", size: 8192 }, /unsupported RSA key size 8192/],
    [{ algorithm: "ECDSA", size: 521 }, /unsupported ECDSA key size 521/],
    [{ algorithm: "DSA" }, /unsupported key algorithm "DSA"/],
  ] as [KeySpec, RegExp][])("rejects %j", async (spec, message) => {
    await expect(generatePrivateKey(spec)).rejects.toThrow(message);
  });

  it("ignores a size for Ed25519 and defaults sizes", () => {
    expect(normalizeKeySpec({ algorithm: "Ed25519", size: 256 })).toEqual({ algorithm: "Ed25519", size: undefined });
    expect(normalizeKeySpec({ algorithm: "RSA" })).toEqual({ algorithm: "RSA", size: 2048 });
    expect(normalizeKeySpec({ algorithm: "ECDSA" })).toEqual({ algorithm: "ECDSA", size: 256 });
  });

  it("does not block the event loop while generating", async () => {
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setTimeout(tick, 1);
    };
    setTimeout(tick, 1);
    const start = Date.now();
    // Several RSA-3072 keys take long enough that a blocked loop would show as zero ticks.
    await Promise.all([1, 2, 3].map(() => generatePrivateKey({ algorithm: "RSA", size: 3072 })));
    running = false;
    const elapsed = Date.now() - start;
    expect(ticks).toBeGreaterThanOrEqual(Math.min(3, Math.floor(elapsed / 20)));
  });

  it("validates the concurrency setting", () => {
    expect(() => setKeyGenerationConcurrency(0)).toThrow(/positive integer/);
    setKeyGenerationConcurrency(4);
    setKeyGenerationConcurrency(2);
  });
});

describe("public keys and SPKI hashes", () => {
  it("derives the same SPKI as openssl and hashes private, public and certificate alike", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    const pub = publicKeyPemFromPrivate(key);
    expect(pub).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    await withFiles({ "key.pem": key }, async (path) => {
      const res = await openssl("pkey", "-in", path("key.pem"), "-pubout");
      expect(res.stdout).toBe(pub);
    });
    expect(spkiSha256(pub)).toBe(spkiSha256(key));
    expect(spkiSha256(pub)).toMatch(/^[0-9a-f]{64}$/);
    expect(describeKey(pub)).toEqual({ algorithm: "ECDSA", size: 256 });
    const other = await generatePrivateKey({ algorithm: "ECDSA" });
    expect(spkiSha256(other)).not.toBe(spkiSha256(key));
  });

  it("reads legacy SEC1 / PKCS#1 private keys", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA", size: 384 });
    await withFiles({ "key.pem": key }, async (path) => {
      const sec1 = (await openssl("ec", "-in", path("key.pem"))).stdout;
      expect(sec1).toMatch(/BEGIN EC PRIVATE\sKEY/);
      expect(describeKey(sec1)).toEqual({ algorithm: "ECDSA", size: 384 });
      expect(spkiSha256(sec1)).toBe(spkiSha256(key));
    });
  });

  it("never puts key material in errors", async () => {
    const key = await generatePrivateKey({ algorithm: "ECDSA" });
    const body = key.split("\n")[1]!;
    const broken = key.replace(body, body.slice(0, 20) + "AAAA" + body.slice(24));
    const errors: string[] = [];
    for (const input of [broken, key.replace("PRIVATE KEY", "PRIVATE KEX"), `-----BEGIN ${"PRIVATE"} KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`]) {
      try {
        describeKey(input);
        publicKeyPemFromPrivate(input);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    expect(errors).toHaveLength(3);
    for (const message of errors) {
      expect(message).not.toContain(body.slice(0, 16));
      expect(message).not.toContain("AAAA");
    }
  });
});
