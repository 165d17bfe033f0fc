// A signing CA loaded from its PEMs: certificate, WebCrypto keys, and the key identifier that
// goes into the AuthorityKeyIdentifier of everything it signs.
import { createHash } from "node:crypto";
import { spkiSha256 } from "./keys.ts";
import { Lru } from "./memo.ts";
import { pemDecode } from "./pem.ts";
import { importKeyPair } from "./signing-key.ts";
import type { ImportedKeyPair } from "./signing-key.ts";
import { x509 } from "./x509.ts";

export interface IssuerMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export interface LoadedIssuer {
  certificate: x509.X509Certificate;
  keys: ImportedKeyPair;
  /** Hex key identifier: the issuer's own SKI, so AKI matches it byte for byte. */
  keyId: string;
}

// Parsing the CA certificate and importing its key took about 3 ms per signature; a CA's
// material changes rarely, so it is loaded once (keyed by a digest: no key PEM held as a key).
const loaded = new Lru<string, Promise<LoadedIssuer>>(16);

export function loadIssuer(issuer: IssuerMaterial): Promise<LoadedIssuer> {
  const key = createHash("sha256").update(issuer.certificatePem).update("\0").update(issuer.privateKeyPem).digest("hex");
  const hit = loaded.get(key);
  if (hit) return hit;
  const p = readIssuer(issuer);
  loaded.set(key, p);
  p.catch(() => loaded.delete(key));
  return p;
}

async function readIssuer(issuer: IssuerMaterial): Promise<LoadedIssuer> {
  const certificate = new x509.X509Certificate(pemDecode(issuer.certificatePem, ["CERTIFICATE"]).der);
  if (spkiSha256(issuer.certificatePem) !== spkiSha256(issuer.privateKeyPem)) {
    throw new Error("the issuer private key does not match the issuer certificate");
  }
  const keys = await importKeyPair(issuer.privateKeyPem);
  const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  const keyId = ski ? ski.keyId : (await x509.SubjectKeyIdentifierExtension.create(certificate.publicKey)).keyId;
  return { certificate, keys, keyId };
}
