// A stand-in for a CZERTAINLY v2 authority-provider connector, for the http connector's tests:
// one authority on loopback, a two-tier CA (root, intermediate) built with our own pki code,
// checking a bearer token and recording revocations so tests assert on what the server saw.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { parseAndVerifyCsr } from "../../pki/csr.ts";
import { inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import type { IssuerMaterial } from "../../pki/issuer.ts";
import { pemEncode } from "../../pki/pem.ts";
import { generatePrivateKey, spkiDer } from "../../pki/keys.ts";
import { importKeyPair } from "../../pki/signing-key.ts";
import { subjectToName } from "../../pki/subject.ts";
import { usagesForType } from "../../pki/usages.ts";
import { x509 } from "../../pki/x509.ts";

export interface CzertainlyServerOptions {
  authorityUuid: string;
  /** Required as "Authorization: Bearer <token>" when set. */
  token?: string;
  /** How certificateData is sent: PEM leaf, intermediate and root (default) or base64 DER of the leaf only. */
  format?: "pem-chain" | "der";
}

export interface CzertainlyServer {
  url: string;
  rootPem: string;
  intermediatePem: string;
  /** Revocations as received, once per certificate (a repeat is accepted and not recorded). */
  revocations: { serialNumber: string; reason: string }[];
  /** The attributes of every issue request. */
  issueAttributes: unknown[];
  /** When set, issue answers with this status and a CZERTAINLY validation error body. */
  rejectIssue: { status: number; messages: string[] } | undefined;
  /** While true every endpoint, /v1/health included, answers 503 (an outage of the CA behind it). */
  down: boolean;
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;

export async function startCzertainlyServer(opts: CzertainlyServerOptions): Promise<CzertainlyServer> {
  const root = await createCertificateAuthority({ commonName: "CZERTAINLY Test Root", now: new Date() });
  const ca = await createIntermediate(root);
  const state: CzertainlyServer = {
    url: "",
    rootPem: root.certificatePem,
    intermediatePem: ca.certificatePem,
    revocations: [],
    issueAttributes: [],
    rejectIssue: undefined,
    down: false,
    stop: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    handle(req, res, opts, ca, state).catch((e: unknown) => send(res, 500, { message: (e as Error).message }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: CzertainlyServerOptions, ca: IssuerMaterial, state: CzertainlyServer): Promise<void> {
  const prefix = `/v2/authorityProvider/authorities/${opts.authorityUuid}/certificates/`;
  if (state.down) return send(res, 503, { message: "the authority is unavailable" });
  if (req.method === "GET" && req.url === "/v1/health") return send(res, 200, { status: "ok" });
  if (req.method !== "POST" || !req.url?.startsWith(prefix)) return send(res, 404, { message: `no such endpoint ${req.method} ${req.url}` });
  if (opts.token && req.headers.authorization !== `Bearer ${opts.token}`) {
    // Echoes the header, as careless servers do: the client must not pass it on.
    return send(res, 401, { message: `invalid credentials: ${req.headers.authorization ?? "none"}` });
  }
  const body = JSON.parse(await readBody(req)) as Json;
  const operation = req.url.slice(prefix.length);
  if (operation === "issue") return issue(res, body, opts, ca, state);
  if (operation === "revoke") return revoke(res, body, ca, state);
  send(res, 404, { message: `unknown operation ${operation}` });
}

async function issue(res: ServerResponse, body: Json, opts: CzertainlyServerOptions, ca: IssuerMaterial, state: CzertainlyServer): Promise<void> {
  state.issueAttributes.push(body.attributes);
  if (state.rejectIssue) return send(res, state.rejectIssue.status, state.rejectIssue.messages);
  const csr = await parseAndVerifyCsr(pemEncode(Buffer.from(String(body.pkcs10), "base64"), "CERTIFICATE REQUEST"));
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
  const certificateData = opts.format === "der" ? derBase64(leaf) : leaf + ca.certificatePem + state.rootPem;
  send(res, 200, { certificateData, uuid: randomUUID(), meta: [] });
}

async function revoke(res: ServerResponse, body: Json, ca: IssuerMaterial, state: CzertainlyServer): Promise<void> {
  const pem = pemEncode(Buffer.from(String(body.certificate), "base64"), "CERTIFICATE");
  if (!(await verifyIssuedBy(pem, ca.certificatePem))) return send(res, 404, { message: "certificate not issued by this authority" });
  const serialNumber = inspectCertificate(pem).serialNumber;
  if (!state.revocations.some((r) => r.serialNumber === serialNumber)) state.revocations.push({ serialNumber, reason: String(body.reason) });
  res.writeHead(204).end();
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
