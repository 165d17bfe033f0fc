// The delegated OCSP responder certificate (RFC 6960 4.2.2.2): issued by the CA to a key of its
// own, for OCSP signing only, with id-pkix-ocsp-nocheck so clients do not ask about it in turn.
// Short-lived instead of revocable: nocheck means nobody could learn of its revocation.
import { createHash } from "node:crypto";
import * as asn1js from "asn1js";
import { signCertificate, floorToSecond } from "./ca.ts";
import type { IssuerMaterial } from "./issuer.ts";
import { generatePrivateKey } from "./keys.ts";
import { OID } from "./ocsp.ts";
import { x509 } from "./x509.ts";

export interface OcspSignerMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export async function issueOcspSigner(o: { issuer: IssuerMaterial; now: Date; validityMs: number; caNotAfter: Date }): Promise<OcspSignerMaterial> {
  const privateKeyPem = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const notBefore = floorToSecond(new Date(o.now.getTime() - 60_000)); // a little clock skew
  const notAfter = floorToSecond(new Date(Math.min(o.now.getTime() + o.validityMs, o.caNotAfter.getTime())));
  const caId = createHash("sha256").update(o.issuer.certificatePem).digest("hex").slice(0, 8);
  const certificatePem = await signCertificate({
    issuer: o.issuer,
    publicKeyPem: privateKeyPem,
    subject: { commonName: `certwright OCSP responder ${caId}` },
    sans: {},
    keyUsages: ["digitalSignature"],
    extKeyUsages: [],
    notBefore,
    notAfter,
    extraExtensions: [
      new x509.ExtendedKeyUsageExtension([OID.ocspSigning], false),
      new x509.Extension(OID.noCheck, false, new asn1js.Null().toBER(false)),
    ],
  });
  return { certificatePem, privateKeyPem };
}
