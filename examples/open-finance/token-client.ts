// client_credentials token call with the Secrets certwright writes, mounted as files:
//   TRANSPORT_DIR  the transport Certificate's Secret (tls.crt, tls.key): the mTLS client certificate
//   SIGNING_DIR    the signing Certificate's Secret (tls.key, jwks.json): only for private_key_jwt
// Environment: TOKEN_URL (the AS's mTLS token endpoint), CLIENT_ID, AUTH_METHOD (tls_client_auth |
// private_key_jwt), SCOPE (optional), AUDIENCE (optional, default TOKEN_URL), AS_CA_FILE (optional:
// CA bundle to verify the AS; default the system trust store).
// Prints the token response (JSON) and exits 0, or prints the AS's error and exits 1.
// Only node:https and jose (npm install jose). Node 22 runs it as is: node token-client.ts
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { importPKCS8, SignJWT } from "jose";

const env = (name: string, fallback?: string): string => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

interface Jwk {
  kid: string;
  alg: string;
}

async function clientAssertion(tokenUrl: string, clientId: string): Promise<string> {
  const dir = env("SIGNING_DIR");
  // kid and alg exactly as the AS sees them in the published JWK Set.
  const jwk = (JSON.parse(readFileSync(join(dir, "jwks.json"), "utf8")) as { keys: Jwk[] }).keys[0];
  if (!jwk) throw new Error(`${dir}/jwks.json holds no key`);
  const key = await importPKCS8(readFileSync(join(dir, "tls.key"), "utf8"), jwk.alg);
  return new SignJWT({})
    .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: "JWT" })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(env("AUDIENCE", tokenUrl))
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime("2m")
    .sign(key);
}

function post(url: string, form: Record<string, string>, tls: { cert: Buffer; key: Buffer; ca?: Buffer }): Promise<{ status: number | undefined; body: string }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body), accept: "application/json" }, ...tls },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function main() {
  const tokenUrl = env("TOKEN_URL");
  const clientId = env("CLIENT_ID");
  const method = env("AUTH_METHOD", "tls_client_auth");
  const transport = env("TRANSPORT_DIR");
  const tls = {
    cert: readFileSync(join(transport, "tls.crt")),
    key: readFileSync(join(transport, "tls.key")),
    ...(process.env.AS_CA_FILE ? { ca: readFileSync(process.env.AS_CA_FILE) } : {}),
  };
  const form: Record<string, string> = { grant_type: "client_credentials", client_id: clientId, ...(process.env.SCOPE ? { scope: process.env.SCOPE } : {}) };
  if (method === "private_key_jwt") {
    form.client_assertion_type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    form.client_assertion = await clientAssertion(tokenUrl, clientId);
  } else if (method !== "tls_client_auth") {
    throw new Error(`AUTH_METHOD must be tls_client_auth or private_key_jwt, not ${method}`);
  }
  const res = await post(tokenUrl, form, tls);
  process.stdout.write(`${res.body}\n`);
  process.exitCode = res.status === 200 ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: "client_error", error_description: (err as Error).message })}\n`);
  process.exitCode = 1;
});
