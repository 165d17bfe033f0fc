// authority.type stepca: a Smallstep step-ca reached over HTTPS, signing through one of its JWK
// provisioners with one-time tokens the operator mints from the provisioner's private key.
import { z } from "zod";
import { withRules } from "./cel-rules.ts";
import { objectName, secretKey } from "./common.ts";

const keyRef = (what: string) =>
  z.object({
    name: objectName.describe(`Name of a ${what} in the profile's namespace (for a ClusterRAProfile, the operator's cluster resource namespace).`),
    key: secretKey.describe(`Key in the ${what}'s data.`),
  });

/**
 * Built by ra-profile.ts with its timeouts schema (a function, not an import of ra-profile.ts,
 * which imports this file).
 */
export function stepcaAuthority<T extends z.ZodType>(httpTimeouts: T) {
  return z.object({
    type: z.literal("stepca").describe("Which CA connector; the member of the same name configures it."),
    stepca: withRules(stepcaObject(httpTimeouts), [
      {
        rule: "!(has(self.caBundleSecretRef) && has(self.caBundleConfigMapRef))",
        message: "set at most one of caBundleSecretRef and caBundleConfigMapRef",
        fieldPath: ".caBundleConfigMapRef",
        holds: (s) => !(s.caBundleSecretRef && s.caBundleConfigMapRef),
      },
    ]).describe("A Smallstep step-ca, signing through a JWK provisioner (POST /1.0/sign with a one-time token)."),
  });
}

const stepcaObject = <T extends z.ZodType>(httpTimeouts: T) => z.object({
  url: z
    .string()
    .min(1)
    .max(2048)
    .regex(/^https:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, { message: "must be an https URL without query or fragment" })
    .describe("Base URL of step-ca, e.g. https://step-ca.pki.svc:9000; /1.0/sign, /1.0/revoke and /health are appended."),
  provisioner: z
    .object({
      name: z.string().min(1).max(256).describe("Name of the JWK provisioner in step-ca's ca.json (the token's issuer)."),
      keySecretRef: keyRef("Secret").describe(
        "Secret key holding the provisioner's private key: a JWK (JSON, as `step crypto jwe decrypt` prints the provisioner's encryptedKey) or a PEM private key.",
      ),
      kid: z
        .string()
        .min(1)
        .max(256)
        .optional()
        .describe("Key ID of the provisioner's key in ca.json; default the JWK's own kid, else its RFC 7638 thumbprint (what `step ca provisioner add` uses)."),
    })
    .describe("The JWK provisioner whose key signs the one-time tokens."),
  caBundleSecretRef: keyRef("Secret")
    .optional()
    .describe("PEM bundle to trust for step-ca's HTTPS (its root certificate); the root also goes into ca.crt."),
  caBundleConfigMapRef: keyRef("ConfigMap")
    .optional()
    .describe("The same as caBundleSecretRef, from a ConfigMap (a root certificate is not secret)."),
  rootFingerprint: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { message: "must be 64 hex digits (SHA-256 of the root certificate's DER)" })
    .optional()
    .describe("SHA-256 fingerprint of step-ca's root (`step certificate fingerprint root_ca.crt`): the root step-ca serves at /roots.pem must match it, or nothing is issued."),
  timeouts: httpTimeouts.optional(),
});

