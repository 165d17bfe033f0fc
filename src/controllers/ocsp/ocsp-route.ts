// OCSP over HTTP (RFC 6960 appendix A): POST /ocsp/<namespace>/<profile> with an
// application/ocsp-request body, or GET /ocsp/<namespace>/<profile>/<url-encoded base64 request>.
// ClusterRAProfiles answer at /ocsp/_cluster/<profile> (no namespace can be called "_cluster").
// Only authorities that answer OCSP (the local CA) are served; every replica can answer.
import { parseClusterRAProfile, parseRAProfile } from "../../api/resources.ts";
import type { KubeObject } from "../../kube/objects.ts";
import type { RouteResponse } from "../../observability/http-server.ts";
import type { PublicHandler } from "../../observability/public-server.ts";
import { ocspErrorResponse, MAX_OCSP_REQUEST_BYTES } from "../../pki/ocsp.ts";
import { normalizeSerial } from "../../pki/serial.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import type { Connector } from "../../connectors/connector.ts";

export const CLUSTER_SEGMENT = "_cluster";

interface OcspCapable extends Connector {
  ocsp(requestDer: Uint8Array, opts: { issued?: (serial: string) => boolean }): Promise<Uint8Array>;
}

export interface OcspRouteDeps {
  raProfile(namespace: string, name: string): KubeObject | undefined;
  clusterRAProfile(name: string): KubeObject | undefined;
  certificates(): KubeObject[];
  connectors: ConnectorRegistry;
  clusterResourceNamespace: string;
}

interface CertRef {
  spec?: { raProfileRef?: { name?: string; kind?: string } };
  status?: { serialNumber?: string; history?: { serialNumber: string }[] };
}

const OCSP_RESPONSE = "application/ocsp-response";
const reply = (der: Uint8Array, status = 200, headers?: Record<string, string>): RouteResponse => ({ status, contentType: OCSP_RESPONSE, body: der, headers });

export function ocspRoute(d: OcspRouteDeps): PublicHandler {
  return async (req) => {
    const m = /^\/ocsp\/([a-z0-9-]{1,63}|_cluster)\/([a-z0-9.-]{1,253})(?:\/(.+))?$/.exec(req.path);
    if (!m) return { status: 404, contentType: "text/plain; charset=utf-8", body: "no such OCSP responder\n" };
    const [, ns, name, encoded] = m as unknown as [string, string, string, string | undefined];
    let der: Uint8Array | undefined;
    if (req.method === "POST") {
      if (encoded !== undefined) return reply(ocspErrorResponse("malformedRequest"), 400);
      der = req.body;
    } else {
      der = encoded === undefined ? undefined : decodeGet(encoded);
    }
    if (!der || der.byteLength === 0 || der.byteLength > MAX_OCSP_REQUEST_BYTES) return reply(ocspErrorResponse("malformedRequest"), 400);
    const profile = ns === CLUSTER_SEGMENT ? clusterProfile(d, name) : namespacedProfile(d, ns, name);
    if (!profile) return { status: 404, contentType: "text/plain; charset=utf-8", body: "no such OCSP responder\n" };
    const connector = d.connectors.get(profile);
    if (!("ocsp" in connector) || typeof connector.ocsp !== "function") {
      return { status: 404, contentType: "text/plain; charset=utf-8", body: "this profile's authority has no OCSP responder\n" };
    }
    const issued = issuedSerials(d.certificates(), profile.kind, ns === CLUSTER_SEGMENT ? undefined : ns, name);
    const answer = await (connector as OcspCapable).ocsp(der, { issued: (s) => issued.has(s) });
    // GET answers may sit in HTTP caches (that is why GET exists); a short max-age keeps revocations visible.
    return reply(answer, 200, req.method === "POST" ? { "Cache-Control": "no-store" } : { "Cache-Control": "public, max-age=60" });
  };
}

/** RFC 6960 A.1: the path segment is the base64 DER, URL-encoded; base64url is accepted too. */
function decodeGet(encoded: string): Uint8Array | undefined {
  if (encoded.length > MAX_OCSP_REQUEST_BYTES * 2) return undefined;
  try {
    const b64 = decodeURIComponent(encoded).replace(/-/g, "+").replace(/_/g, "/");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
    return Buffer.from(b64, "base64");
  } catch {
    return undefined;
  }
}

function namespacedProfile(d: OcspRouteDeps, ns: string, name: string) {
  const raw = d.raProfile(ns, name);
  if (!raw) return undefined;
  try {
    const p = parseRAProfile(raw);
    return { kind: "RAProfile" as const, name, secretNamespace: ns, uid: raw.metadata.uid ?? "", generation: raw.metadata.generation ?? 0, spec: p.spec };
  } catch {
    return undefined;
  }
}

function clusterProfile(d: OcspRouteDeps, name: string) {
  const raw = d.clusterRAProfile(name);
  if (!raw) return undefined;
  try {
    const p = parseClusterRAProfile(raw);
    return { kind: "ClusterRAProfile" as const, name, secretNamespace: d.clusterResourceNamespace, uid: raw.metadata.uid ?? "", generation: raw.metadata.generation ?? 0, spec: p.spec };
  } catch {
    return undefined;
  }
}

/** Serials the inventory (status and history of the profile's Certificates) says were issued. */
function issuedSerials(certs: KubeObject[], kind: string, namespace: string | undefined, name: string): Set<string> {
  const out = new Set<string>();
  for (const c of certs) {
    const ref = (c as CertRef).spec?.raProfileRef;
    if (ref?.name !== name || (ref.kind ?? "RAProfile") !== kind || (namespace !== undefined && c.metadata.namespace !== namespace)) continue;
    const status = (c as CertRef).status;
    for (const s of [status?.serialNumber, ...(status?.history ?? []).map((h) => h.serialNumber)]) {
      if (!s) continue;
      try {
        out.add(normalizeSerial(s));
      } catch {
        // not a serial: nothing to add
      }
    }
  }
  return out;
}
