// Answers OCSP requests for the local CA from the revoked serials of its CRL state. Responses
// are signed by a delegated responder certificate kept in `<caSecretName>-ocsp` (issued and
// rotated here, halfway through its life) or, when the profile asks, by the CA key itself.
import { createHash, X509Certificate } from "node:crypto";
import { inspectCertificate } from "../../pki/inspect.ts";
import {
  buildOcspResponse,
  issuerHashes,
  ocspErrorResponse,
  OcspRequestError,
  parseOcspRequest,
  type OcspCertStatus,
  type OcspSingleAnswer,
} from "../../pki/ocsp.ts";
import { normalizeSerial } from "../../pki/serial.ts";
import { issueOcspSigner, type OcspSignerMaterial } from "../../pki/ocsp-signer.ts";
import { StoreConflict, type SecretStore } from "../connector.ts";
import type { LoadedCa } from "./ca-material.ts";
import type { RevokedEntry } from "./crl-state.ts";

export type OcspSignerMode = "Delegated" | "CA";

/** How long a response may be cached (nextUpdate - thisUpdate). */
export const OCSP_RESPONSE_VALIDITY_MS = 3600_000;
/** Life of a delegated responder certificate; a new one is issued halfway. */
export const OCSP_SIGNER_VALIDITY_MS = 7 * 24 * 3600_000;

export interface OcspAnswerOptions {
  /** Whether this CA issued the serial (from the inventory); unknown otherwise. Default: all are ours. */
  issued?: (serialNumber: string) => boolean;
}

export interface OcspResponderDeps {
  store: SecretStore;
  caSecretName: string;
  mode: OcspSignerMode;
  now: () => Date;
  ca: () => Promise<LoadedCa>;
  revoked: () => Promise<RevokedEntry[]>;
}

export function ocspSignerSecretName(caSecretName: string): string {
  const name = `${caSecretName}-ocsp`;
  if (name.length <= 253) return name;
  return `${caSecretName.slice(0, 253 - 16).replace(/[.-]+$/, "")}-${createHash("sha256").update(caSecretName).digest("hex").slice(0, 10)}-ocsp`;
}

export class LocalOcspResponder {
  private readonly d: OcspResponderDeps;
  private signer: { caPem: string; material: OcspSignerMaterial; renewAt: number } | undefined;

  constructor(d: OcspResponderDeps) {
    this.d = d;
  }

  /** A DER OCSPResponse for a DER OCSPRequest; malformed input gets malformedRequest, never a throw. */
  async answer(requestDer: Uint8Array, opts: OcspAnswerOptions = {}): Promise<Uint8Array> {
    let request;
    try {
      request = parseOcspRequest(requestDer);
    } catch (e) {
      if (e instanceof OcspRequestError) return ocspErrorResponse("malformedRequest");
      throw e;
    }
    let ca: LoadedCa;
    try {
      ca = await this.d.ca();
    } catch {
      // A CA that cannot sign now: the client may try again later.
      return ocspErrorResponse("tryLater");
    }
    const revoked = new Map((await this.d.revoked()).map((r) => [normalizeSerial(r.serialNumber), r]));
    const answers: OcspSingleAnswer[] = request.certIds.map((certId) => {
      const ours = issuerHashes(ca.certificatePem, certId.hashAlgorithm);
      const sameIssuer = ours !== undefined && ours.nameHash === certId.issuerNameHash && ours.keyHash === certId.issuerKeyHash;
      return { certId, status: sameIssuer ? statusOf(certId.serialNumber, revoked, opts) : { status: "unknown" } };
    });
    const now = this.d.now();
    const signer = this.d.mode === "CA" ? { certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem } : await this.delegated(ca, now);
    return buildOcspResponse({
      signer,
      certs: this.d.mode === "CA" ? [] : [signer.certificatePem],
      answers,
      producedAt: now,
      thisUpdate: now,
      nextUpdate: new Date(now.getTime() + OCSP_RESPONSE_VALIDITY_MS),
      nonce: request.nonce,
    });
  }

  /** The responder certificate: cached, else read from its Secret, else (or when due) issued and stored. */
  private async delegated(ca: LoadedCa, now: Date): Promise<OcspSignerMaterial> {
    if (this.signer && this.signer.caPem === ca.certificatePem && now.getTime() < this.signer.renewAt) return this.signer.material;
    const name = ocspSignerSecretName(this.d.caSecretName);
    const stored = await this.d.store.readVersioned(name);
    const usable = stored && this.usable(stored.data, ca, now);
    if (usable) return usable;
    const material = await issueOcspSigner({ issuer: ca, now, validityMs: OCSP_SIGNER_VALIDITY_MS, caNotAfter: ca.validity.notAfter });
    const data = { "tls.crt": material.certificatePem, "tls.key": material.privateKeyPem };
    if (!stored) {
      const got = await this.d.store.createIfAbsent(name, data);
      // Another replica was first: use its certificate, so both sign with the same one.
      return this.usable(got, ca, now) ?? this.remember(material, ca);
    }
    try {
      await this.d.store.update(name, data, stored.version);
    } catch (e) {
      if (!(e instanceof StoreConflict)) throw e;
      const again = await this.d.store.read(name);
      return (again && this.usable(again, ca, now)) ?? this.remember(material, ca);
    }
    return this.remember(material, ca);
  }

  /** The stored responder, if issued by this CA and not yet halfway through its life. */
  private usable(data: Record<string, string>, ca: LoadedCa, now: Date): OcspSignerMaterial | undefined {
    const certificatePem = data["tls.crt"];
    const privateKeyPem = data["tls.key"];
    if (!certificatePem || !privateKeyPem) return undefined;
    try {
      const info = inspectCertificate(certificatePem);
      const caCert = new X509Certificate(ca.certificatePem);
      const cert = new X509Certificate(certificatePem);
      if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) return undefined;
      const renewAt = info.notBefore.getTime() + (info.notAfter.getTime() - info.notBefore.getTime()) / 2;
      if (now.getTime() >= renewAt) return undefined;
      this.signer = { caPem: ca.certificatePem, material: { certificatePem, privateKeyPem }, renewAt };
      return this.signer.material;
    } catch {
      return undefined;
    }
  }

  private remember(material: OcspSignerMaterial, ca: LoadedCa): OcspSignerMaterial {
    const info = inspectCertificate(material.certificatePem);
    this.signer = { caPem: ca.certificatePem, material, renewAt: info.notBefore.getTime() + (info.notAfter.getTime() - info.notBefore.getTime()) / 2 };
    return material;
  }
}

function statusOf(serial: string, revoked: Map<string, RevokedEntry>, opts: OcspAnswerOptions): OcspCertStatus {
  const r = revoked.get(serial);
  if (r) return { status: "revoked", revokedAt: new Date(r.revokedAt), reason: r.reason };
  return opts.issued === undefined || opts.issued(serial) ? { status: "good" } : { status: "unknown" };
}
