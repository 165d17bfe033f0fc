// External account binding (RFC 8555 §7.3.4): the new account's public key, signed with the
// MAC key the CA handed out (HS256), so the CA can tie the ACME account to an account of its own.
import { createHmac } from "node:crypto";
import { base64url, type EcJwk, type FlattenedJws } from "./jws.ts";

export interface EabCredentials {
  keyId: string;
  /** The raw MAC key (decoded from the base64url the CA hands out). */
  macKey: Buffer;
}

export function externalAccountBinding(eab: EabCredentials, accountJwk: EcJwk, newAccountUrl: string): FlattenedJws {
  const protectedB64 = base64url(JSON.stringify({ alg: "HS256", kid: eab.keyId, url: newAccountUrl }));
  const payloadB64 = base64url(JSON.stringify(accountJwk));
  const signature = createHmac("sha256", eab.macKey).update(`${protectedB64}.${payloadB64}`).digest();
  return { protected: protectedB64, payload: payloadB64, signature: base64url(signature) };
}

/** The MAC key as CAs hand it out: base64url (some add padding or use the standard alphabet). */
export function decodeMacKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9_+/-]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
  return key.length >= 16 && key.length <= 1024 ? key : undefined;
}
