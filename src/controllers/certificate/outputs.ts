// Extra Secret outputs: a PKCS#12 keystore (password from a Secret) and a JWK Set of the public
// key for signing and encryption certificates. Built from the key and chain just written.
import type { CertificateSpec } from "../../api/certificate.ts";
import { splitPemBundle } from "../../pki/inspect.ts";
import { buildJwks } from "../../pki/jwks.ts";
import { buildPkcs12 } from "../../pki/pkcs12.ts";

export const KEYSTORE_KEY = "keystore.p12";
export const JWKS_KEY = "jwks.json";

/** A refusal about outputs: nothing is re-issued or changed, the user must fix the reference. */
export class OutputError extends Error {
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = "OutputError";
    this.reason = reason;
  }
}

export interface OutputInputs {
  spec: CertificateSpec;
  /** Resolved keystore password, when spec.keystores.pkcs12.create. */
  password?: string;
}

export function wantsKeystore(spec: CertificateSpec): boolean {
  return spec.keystores?.pkcs12?.create === true && spec.csrSecretRef === undefined;
}

export function wantsJwks(spec: CertificateSpec): boolean {
  return spec.jwks?.enabled === true && (spec.type === "signing" || spec.type === "encryption");
}

/** True when the Secret lacks an output the spec asks for (or holds one it no longer asks for). */
export function outputsOutOfDate(spec: CertificateSpec, data: Record<string, string>): boolean {
  return wantsKeystore(spec) !== KEYSTORE_KEY in data || wantsJwks(spec) !== JWKS_KEY in data;
}

export async function buildOutputs(
  inputs: OutputInputs,
  material: { keyPem?: string; certificatePem: string; caPem?: string },
): Promise<Record<string, string | Buffer>> {
  const out: Record<string, string | Buffer> = {};
  const chain = splitPemBundle(material.certificatePem);
  if (wantsKeystore(inputs.spec) && material.keyPem) {
    if (inputs.password === undefined) throw new OutputError("KeystorePasswordNotFound", "keystore password is missing");
    // Like cert-manager's keystores: the leaf, its chain, and the CA (once) so Java trusts the chain.
    const ca = splitPemBundle(material.caPem ?? "").filter((c) => !chain.some((x) => x.trim() === c.trim()));
    out[KEYSTORE_KEY] = await buildPkcs12({ privateKeyPem: material.keyPem, certificatePems: [...chain, ...ca], password: inputs.password, friendlyName: "certwright" });
  }
  if (wantsJwks(inputs.spec)) {
    try {
      const jwks = await buildJwks({ certificatePems: chain, use: inputs.spec.type === "signing" ? "sig" : "enc", alg: inputs.spec.jwks?.alg });
      out[JWKS_KEY] = JSON.stringify(jwks, null, 2) + "\n";
    } catch (e) {
      throw new OutputError("InvalidJWKS", (e as Error).message);
    }
  }
  return out;
}
