// One-time tokens for step-ca's JWK provisioner: a JWT signed with the provisioner's key, whose
// issuer is the provisioner's name and whose audience is the endpoint it authorizes. step-ca
// records each jti and refuses a token twice, so every request gets a fresh one.
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import type { ProvisionerKey } from "./provisioner-key.ts";

/** What `step ca token` uses: long enough for a slow request, short enough to be useless later. */
export const TOKEN_LIFETIME_S = 300;

export interface TokenClaims {
  /** The provisioner's name. */
  issuer: string;
  /** `<url>/1.0/sign` or `<url>/1.0/revoke`. */
  audience: string;
  /** Sign: the common name or first SAN; revoke: the serial number in decimal. */
  subject: string;
  /** Sign only: every SAN the certificate may carry (step-ca checks the CSR's SANs against them). */
  sans?: string[];
  now: Date;
}

export function mintToken(key: ProvisionerKey, claims: TokenClaims): Promise<string> {
  const iat = Math.floor(claims.now.getTime() / 1000);
  const payload = claims.sans ? { sans: claims.sans } : {};
  return new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + TOKEN_LIFETIME_S)
    .setJti(randomBytes(16).toString("hex"))
    .sign(key.key);
}
