import { createHmac, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeMacKey, externalAccountBinding } from "./eab.ts";
import { publicJwk } from "./jws.ts";

describe("external account binding", () => {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicJwk(privateKey);
  const macKey = Buffer.alloc(32, 7);

  it("signs the account JWK with HS256 under the CA's kid and the newAccount URL", () => {
    const jws = externalAccountBinding({ keyId: "kid-1", macKey }, jwk, "https://ca/new-acct");
    expect(JSON.parse(Buffer.from(jws.protected, "base64url").toString())).toEqual({ alg: "HS256", kid: "kid-1", url: "https://ca/new-acct" });
    expect(JSON.parse(Buffer.from(jws.payload, "base64url").toString())).toEqual(jwk);
    const expected = createHmac("sha256", macKey).update(`${jws.protected}.${jws.payload}`).digest("base64url");
    expect(jws.signature).toBe(expected);
  });

  it("reads base64url and padded standard base64 MAC keys, refuses junk and short keys", () => {
    const key = Buffer.from([...Array(32).keys()].map((i) => i * 7));
    expect(decodeMacKey(key.toString("base64url"))).toEqual(key);
    expect(decodeMacKey(key.toString("base64") + "\n")).toEqual(key);
    expect(decodeMacKey("not base64 !")).toBeUndefined();
    expect(decodeMacKey("c2hvcnQ")).toBeUndefined();
  });
});
