import { describe, expect, it } from "vitest";
import {
  API_VERSION,
  InvalidResourceError,
  parseCertificate,
  parseClusterRAProfile,
  parseRAProfile,
} from "./resources.ts";

const certificate = {
  apiVersion: API_VERSION,
  kind: "Certificate",
  metadata: { name: "api", namespace: "apps", uid: "u1", managedFields: [{ manager: "kubectl" }] },
  spec: { raProfileRef: { name: "default" }, type: "client", secretName: "api-tls", subject: { commonName: "api" } },
};

describe("parseCertificate", () => {
  it("returns a typed object with defaults applied and unknown metadata kept", () => {
    const c = parseCertificate(certificate);
    expect(c.spec.raProfileRef.kind).toBe("RAProfile");
    expect(c.metadata.managedFields).toEqual([{ manager: "kubectl" }]);
    expect(c.status).toBeUndefined();
  });

  it("throws a readable error naming the object, the path and the problem", () => {
    const bad = { ...certificate, spec: { ...certificate.spec, privateKey: { algorithm: "RSA", size: 1000 }, type: "x" } };
    let err: unknown;
    try {
      parseCertificate(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidResourceError);
    const message = (err as Error).message;
    expect(message).toMatch(/^invalid Certificate apps\/api: /);
    expect(message).toContain('spec.type: Invalid option: expected one of "transport"|');
    expect(message).toContain("spec.privateKey.size: RSA key size must be one of 2048, 3072, 4096");
    expect((err as InvalidResourceError).issues.length).toBe(2);
  });

  it("refuses the wrong kind or apiVersion", () => {
    expect(() => parseCertificate({ ...certificate, kind: "RAProfile" })).toThrow(/kind: Invalid input/);
    expect(() => parseCertificate({ ...certificate, apiVersion: "cert-manager.io/v1" })).toThrow(/apiVersion/);
    expect(() => parseCertificate(null)).toThrow(/invalid Certificate: /);
  });
});

describe("parseRAProfile / parseClusterRAProfile", () => {
  const spec = { authority: { type: "local", local: { caSecretName: "ca" } } };
  it("parse both kinds", () => {
    const p = parseRAProfile({ apiVersion: API_VERSION, kind: "RAProfile", metadata: { name: "p", namespace: "n" }, spec });
    expect(p.spec.enabled).toBe(true);
    const c = parseClusterRAProfile({ apiVersion: API_VERSION, kind: "ClusterRAProfile", metadata: { name: "c" }, spec });
    expect(c.spec.revocation.onDelete).toBe("Retain");
    expect(() => parseClusterRAProfile({ apiVersion: API_VERSION, kind: "ClusterRAProfile", metadata: { name: "c" }, spec: {} })).toThrow(
      /invalid ClusterRAProfile c: spec.authority/,
    );
  });
});
