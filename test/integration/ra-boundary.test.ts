// The RA boundary against hostile and careless manifests, on the real control plane: a Certificate
// writes only a Secret it owns (never a profile's CA or credentials, never another Certificate's,
// never a foreign Secret unless handed over), requests that can never succeed wait for a spec
// change without writing anything, a runaway re-issue is capped, and the whole Secret is repaired.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { EVENTS, SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, readyOf, secretData, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
let ns: string;
let op: RunningOperator;

const profile = (name: string, spec: Record<string, unknown> = {}) =>
  client.create<KubeObject>(RA_PROFILES, {
    metadata: { name, namespace: ns },
    spec: { authority: { type: "local", local: { caSecretName: `${name}-ca` } }, ...spec },
  } as KubeObject);

const certificate = (name: string, spec: Record<string, unknown> = {}) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: "ca" }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 }, ...spec },
  } as KubeObject);

const secretOf = (name: string) => client.get<SecretObject>(SECRETS, ns, name);

async function refusedWith(name: string, reason: string): Promise<{ reason: string; message: string }> {
  return eventually(async () => {
    const r = readyOf(await getCert(client, ns, name));
    return r?.status === "False" && r.reason === reason ? r : undefined;
  }, 30_000, `${name} refused with ${reason}`);
}

/**
 * Forces reconciles of a Certificate while the fake clock moves on by `seconds`, and counts what
 * the operator wrote meanwhile to that Certificate (status, finalizers), to its Secret and to the
 * other Secrets named.
 */
async function writesWhileForcing(name: string, seconds: number, secrets: string[] = []): Promise<number> {
  const watched = [`/certificates/${name}`, ...[`${name}-tls`, ...secrets].map((s) => `/secrets/${s}`)];
  let writes = 0;
  const count = op.client.rest.onWrite;
  op.client.rest.onWrite = (verb, path) => {
    if (watched.some((w) => path.includes(`/namespaces/${ns}${w}`))) writes++;
    count?.(verb, path);
  };
  try {
    for (let t = 0; t < seconds; t += 10) {
      op.clock.advance(10_000);
      await op.forceReconcile(ns, name);
    }
  } finally {
    op.client.rest.onWrite = count;
  }
  return writes;
}

async function eventsOf(name: string): Promise<{ reason: string; note: string; series?: { count: number } }[]> {
  const list = await client.list<KubeObject & { reason: string; note: string; regarding: { name: string } }>(EVENTS, { namespace: ns });
  return list.items.filter((e) => e.regarding.name === name);
}

beforeAll(async () => {
  ns = await freshNamespace(client, "boundary");
  op = await startOperator({ namespace: ns });
  await profile("ca", { revocation: { onSupersede: "Revoke" }, policy: { maxIssuancesPerHour: 3 } });
  await profile("ed", { defaults: { privateKey: { algorithm: "Ed25519" } } });
  await profile("creds", { authority: { type: "http", http: { url: "https://127.0.0.1:1", authorityUuid: "00000000-0000-0000-0000-000000000001", tokenSecretRef: { name: "czertainly-token", key: "token" } } } });
});

afterAll(async () => {
  await op?.stop();
});

describe("one Secret, one owner", () => {
  it("a second Certificate on the same secretName is refused, names the owner, and changes nothing, across a restart", async () => {
    await certificate("first", { secretName: "shared-tls" });
    const first = await waitReady(client, ns, "first");
    const before = await secretOf("shared-tls");
    await certificate("second", { secretName: "shared-tls", dnsNames: ["second.example.com"] });
    const r = await refusedWith("second", "SecretOwnedByOtherCertificate");
    expect(r.message).toContain("Certificate first");
    expect(await writesWhileForcing("second", 30, ["shared-tls"])).toBe(0);

    await op.stop();
    op = await startOperator({ namespace: ns });
    await op.forceReconcile(ns, "first");
    expect(await writesWhileForcing("second", 30, ["shared-tls"])).toBe(0);
    expect((await secretOf("shared-tls")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await getCert(client, ns, "first")).status?.serialNumber).toBe(first.status?.serialNumber);
    expect(readyOf(await getCert(client, ns, "second"))?.reason).toBe("SecretOwnedByOtherCertificate");
  });

  it("a Certificate aimed at its profile's CA Secret is refused and the CA stays byte-identical, across a restart", async () => {
    await certificate("ca-user", {});
    await waitReady(client, ns, "ca-user");
    const ca = await secretOf("ca-ca");
    await certificate("ca-thief", { secretName: "ca-ca" });
    const r = await refusedWith("ca-thief", "SecretUsedByProfile");
    expect(r.message).toContain("RAProfile");
    expect(r.message).toContain("caSecretName");
    expect(await writesWhileForcing("ca-thief", 30, ["ca-ca"])).toBe(0);
    await op.stop();
    op = await startOperator({ namespace: ns });
    await op.forceReconcile(ns, "ca-thief");
    const after = await secretOf("ca-ca");
    expect(after.metadata.resourceVersion).toBe(ca.metadata.resourceVersion);
    expect(after.data).toEqual(ca.data);
  });

  it("a profile's Secret is refused even before it exists, and credentials Secrets too", async () => {
    await profile("lazy", {});
    await certificate("lazy-thief", { raProfileRef: { name: "lazy" }, secretName: "lazy-ca" });
    await refusedWith("lazy-thief", "SecretUsedByProfile");
    await certificate("token-thief", { raProfileRef: { name: "ca" }, secretName: "czertainly-token" });
    const r = await refusedWith("token-thief", "SecretUsedByProfile");
    expect(r.message).toContain("tokenSecretRef");
    expect(await client.find(SECRETS, ns, "czertainly-token")).toBeUndefined();
    // The profile creates its CA there; no Certificate ever wrote into it.
    const lazy = await client.find<SecretObject>(SECRETS, ns, "lazy-ca");
    expect(lazy?.metadata.labels?.["certwright.dev/certificate-name"]).toBeUndefined();
  });

  it("another Certificate's keystore password Secret is refused", async () => {
    await client.create<SecretObject>(SECRETS, { metadata: { name: "ks-pass", namespace: ns }, data: encodeSecretData({ password: "s3cret-pass" }) });
    const pass = await secretOf("ks-pass");
    await certificate("with-ks", { keystores: { pkcs12: { create: true, passwordSecretRef: { name: "ks-pass", key: "password" } } } });
    await waitReady(client, ns, "with-ks");
    await certificate("pass-thief", { secretName: "ks-pass" });
    const r = await refusedWith("pass-thief", "SecretInUse");
    expect(r.message).toContain("Certificate");
    expect((await secretOf("ks-pass")).metadata.resourceVersion).toBe(pass.metadata.resourceVersion);
  });

  it("a pre-existing foreign Secret is refused until handed over by annotation, then keeps its other keys", async () => {
    await client.create<SecretObject>(SECRETS, { metadata: { name: "legacy-tls", namespace: ns }, type: "kubernetes.io/tls", data: encodeSecretData({ "tls.crt": "", "tls.key": "", "app.conf": "keep me" }) });
    const before = await secretOf("legacy-tls");
    await certificate("adopter", { secretName: "legacy-tls" });
    const r = await refusedWith("adopter", "SecretNotOwned");
    expect(r.message).toContain("certwright.dev/allow-adoption=true");
    expect(await writesWhileForcing("adopter", 30, ["legacy-tls"])).toBe(0);
    expect((await secretOf("legacy-tls")).metadata.resourceVersion).toBe(before.metadata.resourceVersion);

    await client.patch(SECRETS, ns, "legacy-tls", { metadata: { annotations: { "certwright.dev/allow-adoption": "true" } } });
    await op.forceReconcile(ns, "adopter");
    await waitReady(client, ns, "adopter");
    const data = await secretData(client, ns, "legacy-tls");
    expect(data["app.conf"]).toBe("keep me");
    expect(data["tls.crt"]).toContain("BEGIN CERTIFICATE");
  });

  it("a handed-over Secret of a type that cannot hold a certificate is refused clearly", async () => {
    await client.create<SecretObject>(SECRETS, {
      metadata: { name: "registry", namespace: ns, annotations: { "certwright.dev/allow-adoption": "true" } },
      type: "kubernetes.io/dockerconfigjson",
      data: encodeSecretData({ ".dockerconfigjson": "{}" }),
    });
    await certificate("wrong-type", { secretName: "registry" });
    const r = await refusedWith("wrong-type", "SecretTypeNotSupported");
    expect(r.message).toContain("kubernetes.io/dockerconfigjson");
  });
});

describe("spec errors are terminal", () => {
  it("an Ed25519 encryption certificate (key from the profile's defaults) waits for a change: no Secret, no back-off, no failure metric", async () => {
    await certificate("ed-enc", { raProfileRef: { name: "ed" }, type: "encryption", privateKey: undefined, dnsNames: undefined, subject: { commonName: "enc" } });
    const r = await refusedWith("ed-enc", "KeyNotSuitableForType");
    expect(r.message).toContain("Ed25519");
    expect(await writesWhileForcing("ed-enc", 40)).toBe(0);
    const s = (await getCert(client, ns, "ed-enc")).status as { failedIssuanceAttempts?: number; nextRetryTime?: string };
    expect(s.failedIssuanceAttempts).toBeUndefined();
    expect(s.nextRetryTime).toBeUndefined();
    const failures = (await op.metrics.issuanceTotal.get()).values.filter((v) => v.labels.result === "failure");
    expect(failures.reduce((n, v) => n + v.value, 0)).toBe(0);
  });

  it("a duration below the default minimum (1h) is refused, not issued in a loop", async () => {
    await certificate("tiny", { duration: "30m", renewBefore: "10m" });
    const r = await refusedWith("tiny", "DurationTooShort");
    expect(r.message).toContain("1h");
    expect(await writesWhileForcing("tiny", 40)).toBe(0);
    expect(await client.find(SECRETS, ns, "tiny-tls")).toBeUndefined();
  });
});

describe("re-issue is capped", () => {
  it("beyond policy.maxIssuancesPerHour a Certificate stops with IssuanceRateLimited and an Event, and resumes when the hour has passed", async () => {
    await certificate("busy", {});
    await waitReady(client, ns, "busy");
    for (const id of ["r1", "r2"]) {
      await client.patch(CERTIFICATES, ns, "busy", { spec: { renewalRequest: { id } } });
      await waitReady(client, ns, "busy", (s) => (s as { lastRenewalRequestId?: string }).lastRenewalRequestId === id);
    }
    expect((await getCert(client, ns, "busy")).status?.revision).toBe(3);
    await client.patch(CERTIFICATES, ns, "busy", { spec: { renewalRequest: { id: "r3" } } });
    const r = await refusedWith("busy", "IssuanceRateLimited");
    expect(r.message).toContain("3 issuances in the last hour");
    expect(await writesWhileForcing("busy", 30)).toBe(0);
    expect((await eventsOf("busy")).some((e) => e.reason === "IssuanceRateLimited")).toBe(true);
    op.clock.advance(3_600_000);
    await op.forceReconcile(ns, "busy");
    const c = await waitReady(client, ns, "busy", (s) => s.revision === 4);
    expect(c.status?.history?.filter((h) => h.state === "revoked")).toHaveLength(3); // onSupersede: Revoke
  });
});

describe("the whole Secret is repaired", () => {
  it("ca.crt removed or replaced is rewritten; keystore.p12 removed is rebuilt and carries the CA", async () => {
    await certificate("repair", { keystores: { pkcs12: { create: true, passwordSecretRef: { name: "ks-pass", key: "password" } } } });
    const c = await waitReady(client, ns, "repair");
    const good = await secretData(client, ns, "repair-tls");
    const serial = c.status?.serialNumber;
    for (const patch of [{ "ca.crt": null }, { "ca.crt": Buffer.from("not a CA").toString("base64") }, { "keystore.p12": null }]) {
      await client.patch(SECRETS, ns, "repair-tls", { data: patch });
      await op.forceReconcile(ns, "repair");
      const now = await eventually(async () => {
        const d = await secretData(client, ns, "repair-tls");
        return d["ca.crt"] === good["ca.crt"] && d["keystore.p12"] ? d : undefined;
      }, 30_000, "outputs rewritten");
      expect(now["tls.crt"]).toBe(good["tls.crt"]);
    }
    expect((await getCert(client, ns, "repair")).status?.serialNumber).toBe(serial);
    const p12 = (await client.get<SecretObject>(SECRETS, ns, "repair-tls")).data!["keystore.p12"]!;
    const subjects = await withFiles({ "ks.p12": Buffer.from(p12, "base64") }, async (p) =>
      (await openssl("pkcs12", "-in", p("ks.p12"), "-nokeys", "-passin", "pass:s3cret-pass")).stdout,
    );
    expect(subjects.match(/BEGIN CERTIFICATE/g)).toHaveLength(2); // leaf and CA
  });
});

describe("crash between the Secret write and the status write", () => {
  it("the next run records the certificate in the inventory, with its revision and Event, and revokes the one it superseded", async () => {
    await certificate("crash", {});
    const first = await waitReady(client, ns, "crash");
    const oldSerial = first.status!.serialNumber!;
    // The status write of the next issuance of this Certificate fails as if the process died there.
    // From then on nothing this process writes lands: it is dead.
    const count = op.client.rest.onWrite;
    let dropped = false;
    op.client.rest.onWrite = (verb, path) => {
      if (dropped || (verb === "PATCH" && path.endsWith(`/certificates/crash/status`))) {
        dropped = true;
        throw new Error("killed before the status write");
      }
      count?.(verb, path);
    };
    await client.patch(CERTIFICATES, ns, "crash", { spec: { renewalRequest: { id: "after-crash" } } });
    await eventually(() => (dropped ? true : undefined), 30_000, "the status write dropped");
    await op.stop();
    const inSecret = await eventually(async () => {
      const d = await secretData(client, ns, "crash-tls");
      return d["tls.crt"] ? d : undefined;
    });
    expect((await getCert(client, ns, "crash")).status?.serialNumber).toBe(oldSerial);

    op = await startOperator({ namespace: ns });
    const c = await waitReady(client, ns, "crash", (s) => s.serialNumber !== oldSerial);
    expect(c.status?.revision).toBe(2);
    expect(c.status?.history?.map((h) => [h.state])).toEqual([["issued"], ["revoked"]]);
    expect((c.status as { lastRenewalRequestId?: string }).lastRenewalRequestId).toBe("after-crash");
    expect((await secretData(client, ns, "crash-tls"))["tls.crt"]).toBe(inSecret["tls.crt"]);
    expect((await eventsOf("crash")).some((e) => e.reason === "Issued" && /interrupted issuance/.test(e.note))).toBe(true);
  });
});
