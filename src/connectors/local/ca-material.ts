// Reads a CA Secret's tls.crt/tls.key into signing material and checks what does not change
// with time: both present, a CA certificate, and the key is the certificate's. Validity dates
// are checked at each use (see ca-validity.ts), since time moves and the material does not.
import { inspectCertificate } from "../../pki/inspect.ts";
import { publicKeyPemFromPrivate, spkiSha256 } from "../../pki/keys.ts";
import { CAReason, type CaValidity } from "../ca-validity.ts";
import { ConnectorError } from "../connector.ts";

export interface LoadedCa {
  certificatePem: string;
  privateKeyPem: string;
  validity: CaValidity;
}

/** Throws a non-retryable ConnectorError (CAInvalid, CAKeyMismatch) naming the Secret, never its content. */
export function loadCaMaterial(name: string, data: Record<string, string>): LoadedCa {
  const certificatePem = data["tls.crt"];
  const privateKeyPem = data["tls.key"];
  if (!certificatePem || !privateKeyPem) {
    throw new ConnectorError(CAReason.Invalid, `CA Secret ${name} must hold tls.crt and tls.key`, false);
  }
  let info;
  try {
    info = inspectCertificate(certificatePem);
  } catch {
    throw new ConnectorError(CAReason.Invalid, `CA Secret ${name}: tls.crt is not a valid certificate`, false);
  }
  if (!info.isCA) throw new ConnectorError(CAReason.Invalid, `CA Secret ${name}: tls.crt is not a CA certificate`, false);
  let keySpki: string;
  try {
    keySpki = spkiSha256(publicKeyPemFromPrivate(privateKeyPem));
  } catch {
    throw new ConnectorError(CAReason.Invalid, `CA Secret ${name}: tls.key is not a readable private key`, false);
  }
  if (keySpki !== info.spkiSha256) {
    throw new ConnectorError(CAReason.KeyMismatch, `CA Secret ${name}: tls.key is not the private key of the certificate in tls.crt`, false);
  }
  return { certificatePem, privateKeyPem, validity: { notBefore: info.notBefore, notAfter: info.notAfter } };
}
