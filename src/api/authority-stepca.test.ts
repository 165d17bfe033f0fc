import { describe, expect, it } from "vitest";
import { raProfileSpecSchema } from "./ra-profile.ts";

const provisioner = { name: "certwright", keySecretRef: { name: "step-provisioner", key: "key.json" } };
const stepca = (extra: Record<string, unknown> = {}) => ({ authority: { type: "stepca", stepca: { url: "https://step-ca.pki.svc:9000", provisioner, ...extra } } });

function problems(spec: unknown): string {
  const r = raProfileSpecSchema.safeParse(spec);
  return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n");
}

describe("stepca authority schema", () => {
  it("accepts a JWK provisioner with a ConfigMap bundle and a root fingerprint", () => {
    const spec = raProfileSpecSchema.parse(stepca({ caBundleConfigMapRef: { name: "step-root", key: "ca.crt" }, rootFingerprint: "A".repeat(64) }));
    expect(spec.authority).toEqual({ type: "stepca", stepca: expect.objectContaining({ provisioner, rootFingerprint: "A".repeat(64) }) });
  });

  it.each([
    ["an http URL (step-ca serves HTTPS only)", stepca({ url: "http://step-ca:9000" }), /https URL/],
    ["a URL with a query", stepca({ url: "https://step-ca:9000/?x=1" }), /https URL/],
    ["both bundle references", stepca({ caBundleSecretRef: { name: "a", key: "b" }, caBundleConfigMapRef: { name: "a", key: "b" } }), /at most one of caBundleSecretRef and caBundleConfigMapRef/],
    ["a short fingerprint", stepca({ rootFingerprint: "abcd" }), /64 hex digits/],
    ["no provisioner key", { authority: { type: "stepca", stepca: { url: "https://s:9000", provisioner: { name: "p" } } } }, /keySecretRef/],
    ["an empty provisioner name", stepca({ provisioner: { ...provisioner, name: "" } }), /provisioner.name/],
  ])("refuses %s", (_what, spec, message) => {
    expect(problems(spec)).toMatch(message);
  });
});
