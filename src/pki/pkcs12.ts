// PKCS#12 keystores for Java and other consumers that want one file with key and chain.
// Same choices as OpenSSL 3 and Java 17 defaults: key and certificates each encrypted with PBES2
// (PBKDF2-HMAC-SHA256, AES-256-CBC) and the whole protected by an HMAC-SHA256 MAC.
import { createHash, webcrypto } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { loadPrivateKey, spkiSha256 } from "./keys.ts";
import { pemBlocks, pemEncode } from "./pem.ts";

export interface BuildPkcs12Options {
  privateKeyPem: string;
  /** Leaf first, then its chain. A PEM may hold several certificates. */
  certificatePems: string[];
  password: string;
  /** The key entry's alias in Java keystores (Java shows "1" when absent). */
  friendlyName?: string;
}

const ITERATIONS = 10_000; // Java's default for PKCS#12 since JDK 12
const OID = {
  shroudedKeyBag: "1.2.840.113549.1.12.10.1.2",
  certBag: "1.2.840.113549.1.12.10.1.3",
  x509Certificate: "1.2.840.113549.1.9.22.1",
  friendlyName: "1.2.840.113549.1.9.20",
  localKeyId: "1.2.840.113549.1.9.21",
};

const engine = new pkijs.CryptoEngine({ name: "node", crypto: webcrypto });

export async function buildPkcs12(opts: BuildPkcs12Options): Promise<Buffer> {
  const certs = opts.certificatePems.flatMap((pem) => pemBlocks(pem).filter((b) => b.label === "CERTIFICATE"));
  const leaf = certs[0];
  if (!leaf) throw new Error("PKCS#12 needs at least the leaf certificate");
  if (spkiSha256(opts.privateKeyPem) !== spkiSha256(pemEncode(leaf.der, "CERTIFICATE"))) {
    throw new Error("the private key does not match the leaf certificate");
  }
  const password = toArrayBuffer(Buffer.from(opts.password, "utf8"));
  const encryption = { password, contentEncryptionAlgorithm: { name: "AES-CBC", length: 256 }, hmacHashAlgorithm: "SHA-256", iterationCount: ITERATIONS };
  // localKeyId ties the key to its certificate; OpenSSL uses the SHA-1 of the certificate too.
  const keyAttributes = bagAttributes(createHash("sha1").update(leaf.der).digest(), opts.friendlyName);

  const keyBag = new pkijs.PKCS8ShroudedKeyBag({ parsedValue: pkijs.PrivateKeyInfo.fromBER(pkcs8Der(opts.privateKeyPem)) });
  await keyBag.makeInternalValues(encryption, engine);
  const certBags = certs.map(
    (c, i) =>
      new pkijs.SafeBag({
        bagId: OID.certBag,
        bagValue: new pkijs.CertBag({ certId: OID.x509Certificate, certValue: new asn1js.OctetString({ valueHex: toArrayBuffer(c.der) }) }),
        bagAttributes: i === 0 ? keyAttributes : undefined,
      }),
  );

  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    parsedValue: {
      safeContents: [
        { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
        { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [new pkijs.SafeBag({ bagId: OID.shroudedKeyBag, bagValue: keyBag, bagAttributes: keyAttributes })] }) },
      ],
    },
  });
  await authenticatedSafe.makeInternalValues({ safeContents: [encryption, {}] }, engine);

  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } });
  await pfx.makeInternalValues({ password, iterations: ITERATIONS, pbkdf2HashAlgorithm: "SHA-256", hmacHashAlgorithm: "SHA-256" }, engine);
  return Buffer.from(pfx.toSchema().toBER(false));
}

function pkcs8Der(privateKeyPem: string): ArrayBuffer {
  return toArrayBuffer(loadPrivateKey(privateKeyPem).export({ type: "pkcs8", format: "der" }));
}

function bagAttributes(localKeyId: Buffer, friendlyName: string | undefined): pkijs.Attribute[] {
  const attributes = [new pkijs.Attribute({ type: OID.localKeyId, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(localKeyId) })] })];
  if (friendlyName) attributes.push(new pkijs.Attribute({ type: OID.friendlyName, values: [new asn1js.BmpString({ value: friendlyName })] }));
  return attributes;
}

function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}
