import { describe, expect, it } from "vitest";
import { createMetrics } from "./metrics.ts";

const labels = 'name="web",namespace="ns",type="server",profile="default"';

describe("createMetrics", () => {
  it("records the per-certificate series like cert-manager", async () => {
    const m = createMetrics();
    m.recordCertificate({
      namespace: "ns",
      name: "web",
      type: "server",
      profile: "default",
      notAfter: new Date("2030-01-01T00:00:00Z"),
      renewalTime: new Date("2029-11-02T00:00:00Z"),
      ready: "True",
      expiryNotice: false,
    });
    const text = await m.registry.metrics();
    expect(text).toContain(`certwright_certificate_expiration_timestamp_seconds{${labels}} 1893456000`);
    expect(text).toContain(`certwright_certificate_renewal_timestamp_seconds{${labels}} 1888272000`);
    expect(text).toContain(`certwright_certificate_ready_status{${labels},condition="True"} 1`);
    expect(text).toContain(`certwright_certificate_ready_status{${labels},condition="False"} 0`);
    expect(text).toContain(`certwright_certificate_expiry_notice{${labels}} 0`);
  });

  it("replaces series when labels change and forgets them on delete", async () => {
    const m = createMetrics();
    const base = { namespace: "ns", name: "web", type: "server", ready: "False" as const, expiryNotice: true };
    m.recordCertificate({ ...base, profile: "old", notAfter: new Date(1000_000) });
    m.recordCertificate({ ...base, profile: "default", notAfter: new Date(2000_000) });
    m.recordCertificate({ ...base, name: "other", profile: "default" });
    let text = await m.registry.metrics();
    expect(text).not.toContain('profile="old"');
    expect(text).toContain(`certwright_certificate_expiry_notice{${labels}} 1`);

    m.forgetCertificate("ns", "web");
    text = await m.registry.metrics();
    expect(text).not.toContain('name="web"');
    expect(text).toContain('name="other"');
  });

  it("exposes issuance, reconcile, API write and leader metrics in its own registry", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.issuanceTotal.inc({ connector: "local", result: "success" });
    a.issuanceDuration.observe({ connector: "local", result: "success" }, 0.2);
    a.apiWrites.inc({ verb: "patch", resource: "certificates/status" });
    a.leader.set(1);
    const text = await a.registry.metrics();
    expect(text).toContain('certwright_issuance_total{connector="local",result="success"} 1');
    expect(text).toContain('certwright_issuance_duration_seconds_count{connector="local",result="success"} 1');
    expect(text).toContain('certwright_api_writes_total{verb="patch",resource="certificates/status"} 1');
    expect(text).toContain("certwright_leader 1");
    expect(await b.registry.metrics()).not.toContain("certwright_issuance_total{");
  });

  it("records a profile's CA expiry and notice, and forgets them", async () => {
    const m = createMetrics();
    m.recordCa({ kind: "RAProfile", namespace: "ns", profile: "p", notAfter: new Date("2030-01-01T00:00:00Z"), expiryNotice: true });
    let text = await m.registry.metrics();
    expect(text).toContain('certwright_ca_expiration_timestamp_seconds{kind="RAProfile",namespace="ns",profile="p"} 1893456000');
    expect(text).toContain('certwright_ca_expiry_notice{kind="RAProfile",namespace="ns",profile="p"} 1');
    m.forgetCa("RAProfile", "ns", "p");
    text = await m.registry.metrics();
    expect(text).not.toContain('profile="p"');
  });

  it("keeps one Ready-reason series per certificate, replaced when the reason changes", async () => {
    const m = createMetrics();
    const base = { namespace: "ns", name: "web", type: "server", profile: "default", expiryNotice: false };
    m.recordCertificate({ ...base, ready: "True", readyReason: "Issued" });
    m.recordCertificate({ ...base, ready: "False", readyReason: "Revoked" });
    let text = await m.registry.metrics();
    expect(text).toContain(`certwright_certificate_ready_reason{${labels},condition="False",reason="Revoked"} 1`);
    expect(text).not.toContain('reason="Issued"');
    m.forgetCertificate("ns", "web");
    text = await m.registry.metrics();
    expect(text).not.toContain("certwright_certificate_ready_reason{");
  });

  it("records a profile's CRL update times, and forgets them with its CA series", async () => {
    const m = createMetrics();
    m.recordCrl({ kind: "RAProfile", namespace: "ns", profile: "p", thisUpdate: new Date("2030-01-01T00:00:00Z"), nextUpdate: new Date("2030-01-02T00:00:00Z") });
    let text = await m.registry.metrics();
    expect(text).toContain('certwright_crl_next_update_timestamp_seconds{kind="RAProfile",namespace="ns",profile="p"} 1893542400');
    expect(text).toContain('certwright_crl_this_update_timestamp_seconds{kind="RAProfile",namespace="ns",profile="p"} 1893456000');
    m.forgetCa("RAProfile", "ns", "p");
    text = await m.registry.metrics();
    expect(text).not.toContain("certwright_crl_next_update_timestamp_seconds{");
  });
});
