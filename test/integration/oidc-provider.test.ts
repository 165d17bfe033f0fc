// A real authorisation server (oidc-provider, a certified OpenID Provider) on loopback over HTTPS
// with client-certificate authentication, trusting the profile's CA: our transport certificate
// authenticates with tls_client_auth, our signing key with private_key_jwt through the operator's
// JWKS endpoint, both with RFC 8705 certificate-bound tokens. The token calls are made by
// examples/open-finance/token-client.ts with the Secrets written to files as a workload mounts them.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { fileURLToPath } from "node:url";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { startPublicServer, type PublicServer } from "../../src/observability/public-server.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
const H = 3600_000;
const CLIENT_SCRIPT = fileURLToPath(new URL("../../examples/open-finance/token-client.ts", import.meta.url));
let ns: string;
let op: RunningOperator;
let pub: PublicServer;
let as: Server;
let provider: Provider;
let tokenUrl: string;
let dir: string;
let jwksFetches = 0;
/** Why the AS's TLS layer did not verify the last client certificate (OpenSSL's verify error). */
let lastAuthorizationError = "";
const SUBJECT = { countries: ["GB"], organizations: ["Example Fintech Ltd"], organizationalUnits: ["Payments"], commonName: "tpp-transport" };

const cert = (name: string, spec: Record<string, unknown>, profile = "of-ca") =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: profile }, secretName: `${name}-tls`, privateKey: { algorithm: "RSA", size: 2048 }, ...spec },
  } as KubeObject);

const localProfile = (name: string, caSecretName: string) =>
  client.create<KubeObject>(RA_PROFILES, {
    metadata: { name, namespace: ns },
    spec: { authority: { type: "local", local: { caSecretName } }, policy: { dnsNames: ["localhost"] }, revocation: { onSupersede: "Retain", onDelete: "Retain" } },
  } as KubeObject);

/** Writes a Secret's keys as files, the way a volume mount of that Secret looks. */
async function mount(secretName: string, as?: string): Promise<string> {
  const path = join(dir, as ?? secretName);
  const { mkdir } = await import("node:fs/promises");
  await mkdir(path, { recursive: true });
  for (const [k, v] of Object.entries(await secretData(client, ns, secretName))) await writeFile(join(path, k), v);
  return path;
}

interface TokenResult {
  code: number;
  body: { access_token?: string; token_type?: string; error?: string; error_description?: string };
}

/** Runs the example client as a workload would. */
function tokenCall(env: Record<string, string>): Promise<TokenResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLIENT_SCRIPT], { env: { ...process.env, TOKEN_URL: tokenUrl, AS_CA_FILE: join(dir, "ca.crt"), ...env }, timeout: 30_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, body: JSON.parse(stdout.trim() || "{}") as TokenResult["body"] });
    });
  });
}

/** RFC 4514 string of a certificate's subject, as docs/open-finance.md prints it (openssl -nameopt RFC2253). */
async function subjectDn(pem: string): Promise<string> {
  const out = await withFiles({ "c.pem": pem }, (p) => openssl("x509", "-in", p("c.pem"), "-noout", "-subject", "-nameopt", "RFC2253"));
  return out.stdout.trim().replace(/^subject=/, "");
}

/** SHA-256 of the DER certificate, base64url (RFC 8705 x5t#S256), computed by openssl. */
async function thumbprint(pem: string): Promise<string> {
  const out = await withFiles({ "c.pem": pem }, (p) => openssl("x509", "-in", p("c.pem"), "-noout", "-fingerprint", "-sha256"));
  return Buffer.from(out.stdout.trim().split("=")[1]!.replace(/:/g, ""), "hex").toString("base64url");
}

const leafOf = (bundle: string) => bundle.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!;

/** The AS's own cache of the client's JWK Set runs out (as its max-age would), so the next failure refetches it. */
async function expireAsJwksCache(clientId: string): Promise<void> {
  const c = await provider.Client.find(clientId);
  // oidc-provider refetches a stale set only when no cached key verifies: evict the cached keys too.
  const store = (c as unknown as { asymmetricKeyStore: { freshUntil?: number; clear(): void } }).asymmetricKeyStore;
  store.freshUntil = 0;
  store.clear();
}

beforeAll(async () => {
  ns = await freshNamespace(client, "oidc");
  dir = await mkdtemp(join(tmpdir(), "certwright-oidc-"));
  op = await startOperator({ namespace: ns, jwksOverlapMs: 24 * H });
  const routes = { ...op.operator.publicRoutes };
  const jwksRoute = routes["/jwks/*"]!;
  routes["/jwks/*"] = { handler: (req) => (jwksFetches++, jwksRoute.handler(req)) };
  pub = await startPublicServer({ port: 0, host: "127.0.0.1", routes });
  await localProfile("of-ca", "of-ca");
  await localProfile("other-ca", "other-ca");
  await cert("tpp-transport", { type: "transport", subject: SUBJECT });
  await cert("tpp-transport-2", { type: "transport", subject: { ...SUBJECT, commonName: "tpp-transport-2" } });
  await cert("tpp-signing", { type: "signing", subject: { ...SUBJECT, commonName: "tpp-signing" }, jwks: { enabled: true } });
  await cert("other-subject", { type: "transport", subject: { ...SUBJECT, commonName: "someone-else" } });
  await cert("foreign", { type: "transport", subject: SUBJECT }, "other-ca");
  await cert("as-server", { type: "server", subject: { commonName: "localhost" }, dnsNames: ["localhost"] });
  for (const n of ["tpp-transport", "tpp-transport-2", "tpp-signing", "other-subject", "foreign", "as-server"]) await waitReady(client, ns, n);
  const server = await secretData(client, ns, "as-server-tls");
  await writeFile(join(dir, "ca.crt"), server["ca.crt"]!);
  const dn = await subjectDn(leafOf((await secretData(client, ns, "tpp-transport-tls"))["tls.crt"]!));
  expect(dn).toBe("CN=tpp-transport,OU=Payments,O=Example Fintech Ltd,C=GB");

  as = createServer({ key: server["tls.key"], cert: server["tls.crt"], ca: server["ca.crt"], requestCert: true, rejectUnauthorized: false });
  await new Promise<void>((r) => as.listen(0, "127.0.0.1", r));
  const issuer = `https://localhost:${(as.address() as AddressInfo).port}`;
  tokenUrl = `${issuer}/token`;
  provider = new Provider(issuer, {
    // oidc-provider refuses to fetch from special-use addresses (SSRF protection); the JWKS
    // endpoint here is on loopback, so this AS fetches with the plain global fetch.
    fetch: (url, options) => globalThis.fetch(url, { ...options, dispatcher: undefined }),
    clientAuthMethods: ["tls_client_auth", "private_key_jwt"],
    clients: [
      { client_id: "tpp-mtls", token_endpoint_auth_method: "tls_client_auth", tls_client_auth_subject_dn: dn, grant_types: ["client_credentials"], response_types: [], redirect_uris: [], tls_client_certificate_bound_access_tokens: true },
      {
        client_id: "tpp-pkjwt", token_endpoint_auth_method: "private_key_jwt", token_endpoint_auth_signing_alg: "PS256", jwks_uri: `http://127.0.0.1:${pub.port}/jwks/${ns}/tpp-signing.json`,
        grant_types: ["client_credentials"], response_types: [], redirect_uris: [], tls_client_certificate_bound_access_tokens: true,
      },
    ],
    features: {
      clientCredentials: { enabled: true },
      mTLS: {
        enabled: true,
        certificateBoundAccessTokens: true,
        tlsClientAuth: true,
        getCertificate: (ctx) => (ctx.socket as unknown as { getPeerX509Certificate(): X509Certificate | undefined }).getPeerX509Certificate(),
        certificateAuthorized: (ctx) => {
          const socket = ctx.socket as unknown as { authorized: boolean; authorizationError?: Error | string };
          lastAuthorizationError = String(socket.authorizationError ?? "");
          return socket.authorized;
        },
        // The AS's own reading of the subject (node's parser, not openssl's), in RFC 4514 order.
        certificateSubjectMatches: (ctx, property, expected) => {
          const peer = (ctx.socket as unknown as { getPeerX509Certificate(): X509Certificate | undefined }).getPeerX509Certificate();
          return property === "tls_client_auth_subject_dn" && peer !== undefined && peer.subject.split("\n").reverse().join(",") === expected;
        },
      },
    },
  });
  as.on("request", provider.callback());
});

afterAll(async () => {
  as?.closeAllConnections();
  as?.close();
  await pub?.close();
  await op?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("oidc-provider accepts certwright's transport and signing certificates", () => {
  it("tls_client_auth: a certificate-bound token for the transport certificate; wrong subject, other CA and server-only certificates refused", async () => {
    const transport = await mount("tpp-transport-tls");
    const ok = await tokenCall({ CLIENT_ID: "tpp-mtls", AUTH_METHOD: "tls_client_auth", TRANSPORT_DIR: transport });
    expect(ok.body.error_description).toBeUndefined();
    expect(ok.code).toBe(0);
    expect(ok.body.token_type).toBe("Bearer");
    const token = await provider.ClientCredentials.find(ok.body.access_token!);
    expect(token?.["x5t#S256"]).toBe(await thumbprint(leafOf((await secretData(client, ns, "tpp-transport-tls"))["tls.crt"]!)));

    const refused = async (secret: string, description: string) => {
      const r = await tokenCall({ CLIENT_ID: "tpp-mtls", AUTH_METHOD: "tls_client_auth", TRANSPORT_DIR: await mount(secret) });
      expect(r.code).toBe(1);
      expect(r.body).toMatchObject({ error: "invalid_client" });
      expect(await asErrorDetail(r)).toBe(description);
    };
    await refused("other-subject-tls", "certificate subject value does not match the registered one");
    await refused("foreign-tls", "client certificate was not verified");
    await refused("as-server-tls", "client certificate was not verified");
  });

  it("after revoking the transport certificate, a TLS endpoint checking the CRL refuses the handshake, and so does the AS", async () => {
    const transport = await mount("tpp-transport-tls", "transport-revoked");
    const tls = await secretData(client, ns, "tpp-transport-tls");
    const serial = new X509Certificate(leafOf(tls["tls.crt"]!)).serialNumber;
    await client.patch(CERTIFICATES, ns, "tpp-transport", { spec: { revocation: { reason: "keyCompromise" } } });
    await waitNotReady(client, ns, "tpp-transport");
    // The CRL as a relying party fetches it: from the public listener.
    const crlPem = await eventually(async () => {
      const der = Buffer.from(await (await fetch(`http://127.0.0.1:${pub.port}/crl/${ns}/of-ca.crl`)).arrayBuffer());
      const text = await withFiles({ "c.der": der }, (p) => openssl("crl", "-inform", "DER", "-in", p("c.der"), "-text", "-noout"));
      if (!text.stdout.toUpperCase().includes(serial.toUpperCase())) return undefined;
      return (await withFiles({ "c.der": der }, (p) => openssl("crl", "-inform", "DER", "-in", p("c.der")))).stdout;
    }, 30_000, "a CRL listing the transport certificate");
    const server = await secretData(client, ns, "as-server-tls");
    const strict = createServer({ key: server["tls.key"], cert: server["tls.crt"], ca: server["ca.crt"], crl: crlPem, requestCert: true, rejectUnauthorized: true }, (_q, s) => s.end("ok"));
    const serverErrors: string[] = [];
    strict.on("tlsClientError", (e: Error & { code?: string; reason?: string }) => serverErrors.push(`${e.message} ${e.code ?? ""} ${e.reason ?? ""}`));
    await new Promise<void>((r) => strict.listen(0, "127.0.0.1", r));
    try {
      const outcome = await new Promise<string>((resolve) => {
        const req = request({ host: "127.0.0.1", port: (strict.address() as AddressInfo).port, servername: "localhost", ca: server["ca.crt"], cert: tls["tls.crt"], key: tls["tls.key"], path: "/" }, (res) => resolve(`status ${res.statusCode}`));
        req.on("error", (e) => resolve(`error ${e.message}`));
        req.end();
      });
      expect(outcome).toMatch(/^error /);
      await eventually(() => (serverErrors.length > 0 ? true : undefined), 10_000, "the server's handshake error");
      // The control: the same endpoint, CA and CRL accept a transport certificate that is not revoked.
      const other = await secretData(client, ns, "tpp-transport-2-tls");
      const control = await new Promise<string>((resolve) => {
        const req = request({ host: "127.0.0.1", port: (strict.address() as AddressInfo).port, servername: "localhost", ca: server["ca.crt"], cert: other["tls.crt"], key: other["tls.key"], path: "/" }, (res) => resolve(`status ${res.statusCode}`));
        req.on("error", (e) => resolve(`error ${e.message}`));
        req.end();
      });
      expect(control).toBe("status 200");
    } finally {
      strict.close();
    }
    // The AS, given the same CRL, no longer authenticates the client.
    as.setSecureContext({ key: server["tls.key"], cert: server["tls.crt"], ca: server["ca.crt"], crl: crlPem });
    const r = await tokenCall({ CLIENT_ID: "tpp-mtls", AUTH_METHOD: "tls_client_auth", TRANSPORT_DIR: transport });
    expect(r.body).toMatchObject({ error: "invalid_client" });
    expect(await asErrorDetail(r)).toBe("client certificate was not verified");
    expect(lastAuthorizationError).toBe("CERT_REVOKED");
  });

  it("private_key_jwt: the assertion signed by the signing Secret's key (kid, alg from its JWK) verifies through the operator's JWKS; after a rekey both keys work during the overlap, then the superseded one is refused", async () => {
    const transport = await mount("tpp-transport-2-tls");
    const signing1 = await mount("tpp-signing-tls", "signing-1");
    const first = await tokenCall({ CLIENT_ID: "tpp-pkjwt", AUTH_METHOD: "private_key_jwt", TRANSPORT_DIR: transport, SIGNING_DIR: signing1 });
    expect(first.body.error_description, lastDetail).toBeUndefined();
    expect(first.code).toBe(0);
    const bound = await provider.ClientCredentials.find(first.body.access_token!);
    expect(bound?.["x5t#S256"]).toBe(await thumbprint(leafOf((await secretData(client, ns, "tpp-transport-2-tls"))["tls.crt"]!)));
    expect(jwksFetches).toBeGreaterThan(0);

    await client.patch(CERTIFICATES, ns, "tpp-signing", { spec: { renewalRequest: { id: "rekey-1", rekey: true } } });
    await waitReady(client, ns, "tpp-signing", (s) => (s.revision ?? 0) >= 2);
    const signing2 = await mount("tpp-signing-tls", "signing-2");
    await expireAsJwksCache("tpp-pkjwt");
    const before = jwksFetches;
    const second = await tokenCall({ CLIENT_ID: "tpp-pkjwt", AUTH_METHOD: "private_key_jwt", TRANSPORT_DIR: transport, SIGNING_DIR: signing2 });
    expect(second.body.error_description).toBeUndefined();
    expect(second.code).toBe(0);
    expect(jwksFetches).toBeGreaterThan(before);
    // Overlap: a workload that has not picked up the new Secret yet still gets tokens.
    const old = await tokenCall({ CLIENT_ID: "tpp-pkjwt", AUTH_METHOD: "private_key_jwt", TRANSPORT_DIR: transport, SIGNING_DIR: signing1 });
    expect(old.code).toBe(0);

    // The overlap ends (operator clock), the AS refetches: the superseded key is refused, the new one works.
    op.clock.advance(24 * H + 1000);
    await expireAsJwksCache("tpp-pkjwt");
    const superseded = await tokenCall({ CLIENT_ID: "tpp-pkjwt", AUTH_METHOD: "private_key_jwt", TRANSPORT_DIR: transport, SIGNING_DIR: signing1 });
    expect(superseded.code).toBe(1);
    expect(superseded.body).toMatchObject({ error: "invalid_client" });
    expect(await asErrorDetail(superseded)).toMatch(/no applicable key found|signature verification failed/);
    await expireAsJwksCache("tpp-pkjwt");
    expect((await tokenCall({ CLIENT_ID: "tpp-pkjwt", AUTH_METHOD: "private_key_jwt", TRANSPORT_DIR: transport, SIGNING_DIR: signing2 })).code).toBe(0);
  });
});

/** oidc-provider answers invalid_client with a generic description; the reason is in its error detail, which it emits as an event. */
let lastDetail = "";
function asErrorDetail(_r: TokenResult): Promise<string> {
  return Promise.resolve(lastDetail);
}
beforeAll(() => {
  provider.on("grant.error", (_ctx, err: Error & { error_detail?: string }) => {
    const cause = (err as { cause?: { message?: string; cause?: { message?: string } } }).cause;
    lastDetail = [err.error_detail ?? err.message, cause?.message, cause?.cause?.message].filter(Boolean).join(": ");
  });
});
