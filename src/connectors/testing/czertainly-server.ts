// A CZERTAINLY v2 authority-provider connector for the http connector's tests: one authority on
// loopback, a two-tier CA (root, intermediate) built with our own pki code. Every request is
// judged against the contract (czertainly-contract.ts) field by field before anything is signed,
// and every answer is checked against it before it is sent. It behaves like the HashiCorp Vault
// connector: RA profile attributes ra_profile_engine (object {engineName}) and ra_profile_role
// (string), a 422 with the validator's message for a bad request, and a dropped connection when
// an attribute's content has the wrong type. Optionally HTTPS with required client certificates.
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { parseAndVerifyCsr } from "../../pki/csr.ts";
import { inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import type { IssuerMaterial } from "../../pki/issuer.ts";
import { pemEncode } from "../../pki/pem.ts";
import { generatePrivateKey, publicKeyPemFromPrivate, spkiDer, spkiSha256 } from "../../pki/keys.ts";
import { importKeyPair } from "../../pki/signing-key.ts";
import { subjectToName } from "../../pki/subject.ts";
import { usagesForType } from "../../pki/usages.ts";
import { x509 } from "../../pki/x509.ts";
import { CzertainlyContract, type AttributeDefinition, type Definitions } from "./czertainly-contract.ts";

export interface CzertainlyServerOptions {
  authorityUuid: string;
  /** Required as "Authorization: Bearer <token>" when set. */
  token?: string;
  /** How certificateData is sent: PEM leaf, intermediate and root (default) or base64 DER of the leaf only. */
  format?: "pem-chain" | "der";
  /** HTTPS on loopback, requiring a client certificate signed by the server's client CA. */
  mtls?: boolean;
  /** The connector's RA profile attribute definitions (default: the Vault connector's two). */
  raProfileAttributes?: AttributeDefinition[];
}

export interface MtlsMaterial {
  /** Trust anchor for the server's certificate (the caBundle). */
  caPem: string;
  /** A client certificate the server accepts, and its key. */
  clientCertificatePem: string;
  clientKeyPem: string;
}

export interface Received {
  operation: string;
  body: Record<string, unknown>;
}

export interface CzertainlyServer {
  url: string;
  rootPem: string;
  intermediatePem: string;
  mtls: MtlsMaterial | undefined;
  /** Revocations as received, once per certificate (a repeat is accepted and not recorded). */
  revocations: { serialNumber: string; reason: string }[];
  /** Every request that passed the contract, in order. */
  received: Received[];
  /** Every refusal: status (or "dropped") and message. */
  refusals: { operation: string; status: number | "dropped"; message: string }[];
  /** When set, issue and renew answer with this status and a CZERTAINLY validation error body. */
  rejectIssue: { status: number; messages: string[] } | undefined;
  /** While true every endpoint, /v1/health included, answers 503 (an outage of the CA behind it). */
  down: boolean;
  stop(): Promise<void>;
}

/** The Vault connector's RA profile attributes (names, UUIDs and types as it defines them). */
export const VAULT_RA_PROFILE_ATTRIBUTES: AttributeDefinition[] = [
  { name: "ra_profile_engine", uuid: "e7817459-41cf-40d4-ad3d-9808ef14cad7", contentType: "object", required: true, objectKeys: ["engineName"] },
  { name: "ra_profile_role", uuid: "389dfa3c-cf45-458e-bca4-507d11b2858c", contentType: "string", required: true },
];

type Json = Record<string, unknown>;

interface Context {
  opts: CzertainlyServerOptions;
  ca: IssuerMaterial;
  state: CzertainlyServer;
  contract: CzertainlyContract;
  defs: Definitions;
  issued: Map<string, string>;
}

export async function startCzertainlyServer(opts: CzertainlyServerOptions): Promise<CzertainlyServer> {
  const contract = await CzertainlyContract.load();
  const root = await createCertificateAuthority({ commonName: "CZERTAINLY Test Root", now: new Date() });
  const ca = await createIntermediate(root);
  const tls = opts.mtls ? await mtlsMaterial() : undefined;
  const state: CzertainlyServer = {
    url: "",
    rootPem: root.certificatePem,
    intermediatePem: ca.certificatePem,
    mtls: tls?.client,
    revocations: [],
    received: [],
    refusals: [],
    rejectIssue: undefined,
    down: false,
    stop: () => Promise.resolve(),
  };
  const ctx: Context = { opts, ca, state, contract, defs: { raProfileAttributes: opts.raProfileAttributes ?? VAULT_RA_PROFILE_ATTRIBUTES, attributes: [] }, issued: new Map() };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, ctx).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ message: (e as Error).message }));
    });
  };
  const server = tls
    ? createHttpsServer({ key: tls.serverKeyPem, cert: tls.serverCertificatePem, ca: tls.clientCaPem, requestCert: true, rejectUnauthorized: true }, handler)
    : createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `${tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const { state, contract, opts } = ctx;
  const path = (req.url ?? "/").split("?")[0]!;
  const method = req.method ?? "GET";
  const raw = await readBody(req);
  if (state.down) return send(res, 503, { message: "the authority is unavailable" });
  const operationId = contract.operationOf(method, path);
  if (!operationId) return refuse(res, ctx, "unknown", 404, `no such endpoint ${method} ${path}`);
  if (operationId !== "checkHealth" && !path.includes(`/authorities/${opts.authorityUuid}/`)) return refuse(res, ctx, operationId, 404, "authority instance not found");
  if (opts.token && operationId !== "checkHealth" && req.headers.authorization !== `Bearer ${opts.token}`) {
    // Echoes the header, as careless servers do: the client must not pass it on.
    return refuse(res, ctx, operationId, 401, `invalid credentials: ${req.headers.authorization ?? "none"}`);
  }
  const verdict = contract.judge(operationId, method, path, raw, ctx.defs);
  if (!verdict.ok) {
    if ("drop" in verdict) {
      state.refusals.push({ operation: operationId, status: "dropped", message: verdict.message });
      req.socket.destroy(); // what the Vault connector does with content of the wrong type
      return;
    }
    return refuse(res, ctx, operationId, verdict.status, verdict.message);
  }
  state.received.push({ operation: operationId, body: verdict.body });
  return route(res, ctx, operationId, verdict.body);
}

function route(res: ServerResponse, ctx: Context, operationId: string, body: Json): Promise<void> | void {
  const { state } = ctx;
  switch (operationId) {
    case "checkHealth":
      return answer(res, ctx, operationId, 200, { status: "ok" });
    case "issueCertificate":
    case "renewCertificate":
      return issue(res, ctx, operationId, body);
    case "revokeCertificate":
      return revoke(res, ctx, body);
    case "getCaCertificates":
      return answer(res, ctx, operationId, 200, { certificates: [ctx.ca.certificatePem, state.rootPem].map((p) => ({ certificateData: derBase64(p), certificateType: "X.509" })) });
    case "listRAProfileAttributes":
      return answer(res, ctx, operationId, 200, ctx.defs.raProfileAttributes.map(dataAttribute));
    case "validateRAProfileAttributes":
      return answer(res, ctx, operationId, 200, undefined);
    default:
      return refuse(res, ctx, operationId, 404, `${operationId} is not implemented by this connector`);
  }
}

async function issue(res: ServerResponse, ctx: Context, operationId: string, body: Json): Promise<void> {
  const { state, opts, ca } = ctx;
  if (state.rejectIssue) return refuse(res, ctx, operationId, state.rejectIssue.status, state.rejectIssue.messages);
  if (body.format !== "pkcs10") return refuse(res, ctx, operationId, 422, `format ${String(body.format)} is not supported`);
  let csr;
  try {
    csr = await parseAndVerifyCsr(pemEncode(Buffer.from(String(body.request), "base64"), "CERTIFICATE REQUEST"));
  } catch (e) {
    return refuse(res, ctx, operationId, 422, `request is not a valid PKCS#10 CSR: ${(e as Error).message}`);
  }
  if (operationId === "renewCertificate") {
    // Renew with the same key: the certificate must be ours and carry the CSR's key.
    const old = pemEncode(Buffer.from(String(body.certificate), "base64"), "CERTIFICATE");
    if (!(await verifyIssuedBy(old, ca.certificatePem).catch(() => false))) return refuse(res, ctx, operationId, 422, "certificate was not issued by this authority");
    if (inspectCertificate(old).spkiSha256 !== spkiSha256(csr.publicKeyPem)) {
      return refuse(res, ctx, operationId, 422, "the CSR's key is not the key of the certificate to renew");
    }
  }
  const notBefore = floorToSecond(new Date());
  const leaf = await signCertificate({
    issuer: ca,
    publicKeyPem: csr.publicKeyPem,
    subject: csr.subject,
    sans: csr.sans,
    ...usagesForType("server", csr.key.algorithm),
    notBefore,
    notAfter: new Date(notBefore.getTime() + 30 * 86_400_000),
  });
  const certificateData = opts.format === "der" ? derBase64(leaf) : Buffer.from(leaf + ca.certificatePem + state.rootPem).toString("base64");
  answer(res, ctx, operationId, 200, { certificateData, uuid: randomUUID(), meta: [], certificateType: "X.509" });
}

async function revoke(res: ServerResponse, ctx: Context, body: Json): Promise<void> {
  const pem = pemEncode(Buffer.from(String(body.certificate), "base64"), "CERTIFICATE");
  if (!(await verifyIssuedBy(pem, ctx.ca.certificatePem).catch(() => false))) return refuse(res, ctx, "revokeCertificate", 404, "certificate not issued by this authority");
  const serialNumber = inspectCertificate(pem).serialNumber;
  if (!ctx.state.revocations.some((r) => r.serialNumber === serialNumber)) ctx.state.revocations.push({ serialNumber, reason: String(body.reason) });
  answer(res, ctx, "revokeCertificate", 200, undefined);
}

/** A DataAttribute as the connector lists it (BaseAttributeDto with type data). */
function dataAttribute(d: AttributeDefinition): Json {
  return {
    uuid: d.uuid,
    name: d.name,
    type: "data",
    contentType: d.contentType,
    properties: { label: d.name, visible: true, required: d.required, readOnly: false, list: false, multiSelect: false },
  };
}

function refuse(res: ServerResponse, ctx: Context, operation: string, status: number, message: string | string[]): void {
  const text = Array.isArray(message) ? message.join("; ") : message;
  ctx.state.refusals.push({ operation, status, message: text });
  // 422 carries a list of messages, other errors {message}; the Go connectors send a JSON string.
  send(res, status, status === 422 ? (Array.isArray(message) ? message : [message]) : { message: text });
}

function answer(res: ServerResponse, ctx: Context, operationId: string, status: number, body: unknown): void {
  ctx.contract.assertResponse(operationId, status, body);
  if (body === undefined) res.writeHead(status).end();
  else send(res, status, body);
}

async function mtlsMaterial(): Promise<{ serverKeyPem: string; serverCertificatePem: string; clientCaPem: string; client: MtlsMaterial }> {
  const now = floorToSecond(new Date());
  const notAfter = new Date(now.getTime() + 86_400_000);
  const tlsCa = await createCertificateAuthority({ commonName: "CZERTAINLY Test TLS CA", now });
  const serverKeyPem = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const serverCertificatePem = await signCertificate({
    issuer: tlsCa,
    publicKeyPem: publicKeyPemFromPrivate(serverKeyPem),
    subject: { commonName: "czertainly-connector" },
    sans: { ipAddresses: ["127.0.0.1"] },
    ...usagesForType("server", "ECDSA"),
    notBefore: now,
    notAfter,
  });
  const clientKeyPem = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const clientCertificatePem = await signCertificate({
    issuer: tlsCa,
    publicKeyPem: publicKeyPemFromPrivate(clientKeyPem),
    subject: { commonName: "certwright" },
    sans: {},
    ...usagesForType("client", "ECDSA"),
    notBefore: now,
    notAfter,
  });
  return { serverKeyPem, serverCertificatePem, clientCaPem: tlsCa.certificatePem, client: { caPem: tlsCa.certificatePem, clientCertificatePem, clientKeyPem } };
}

/** An issuing CA signed by the root: most real CAs behind CZERTAINLY are two-tier. */
async function createIntermediate(root: IssuerMaterial): Promise<IssuerMaterial> {
  const privateKeyPem = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const rootKeys = await importKeyPair(root.privateKeyPem);
  const rootCert = new x509.X509Certificate(root.certificatePem);
  const publicKey = new x509.PublicKey(spkiDer(privateKeyPem));
  const notBefore = floorToSecond(new Date());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "0a1b2c",
    subject: subjectToName({ commonName: "CZERTAINLY Test Issuing CA" }),
    issuer: rootCert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + 365 * 86_400_000),
    publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: rootKeys.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return { certificatePem: pemEncode(cert.rawData, "CERTIFICATE"), privateKeyPem };
}

function derBase64(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----|\s+/g, "");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
