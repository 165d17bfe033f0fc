// "The CA must be valid": a user-supplied CA Secret that is expired, not yet valid, holds the
// wrong key, or is about to expire. Each gives the profile Ready=False (or a warning) with one
// reason that its Certificates show too, issues nothing that does not fit, and never writes the
// CA Secret: its resourceVersion and data stay the same through several forced reconciles,
// proven by the reconcile counters rising, never by a sleep. openssl judges the crypto.
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { CAReason } from "../../src/connectors/ca-validity.ts";
import { CA_RECHECK_INTERVAL_MS } from "../../src/controllers/profiles/ca-status.ts";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { EVENTS, SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { createCertificateAuthority } from "../../src/pki/ca.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, readyOf, secretData, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const DAY = 86_400_000;
const client = testClient();
let ns: string;
let op: RunningOperator | undefined;

interface ProfileStatus {
  conditions?: { type: string; status: string; reason: string; message: string }[];
  caNotBefore?: string;
  caNotAfter?: string;
  caExpiryNoticeTime?: string;
}

afterEach(async () => {
  await op?.stop();
  op = undefined;
});

async function setup(prefix: string): Promise<RunningOperator> {
  ns = await freshNamespace(client, prefix);
  op = await startOperator({ namespace: ns });
  return op;
}

async function putCa(name: string, pems: { crt: string; key: string }): Promise<void> {
  const body: SecretObject = { metadata: { name, namespace: ns }, type: "kubernetes.io/tls", data: encodeSecretData({ "tls.crt": pems.crt, "tls.key": pems.key }) };
  const found = await client.find<SecretObject>(SECRETS, ns, name);
  if (found) await client.replace(SECRETS, { ...body, metadata: { ...body.metadata, resourceVersion: found.metadata.resourceVersion } });
  else await client.create(SECRETS, body);
}

/**
 * A CA made by openssl itself (valid from now for `days`); otherKey pairs it with an unrelated key.
 * Made before the operator starts: its fake clock starts at that moment and must not be before notBefore.
 */
async function opensslCa(days: number, otherKey = false): Promise<{ crt: string; key: string }> {
  const cfg = "[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n[dn]\nCN=hostile CA\n" +
    "[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n";
  return withFiles({ "req.cnf": cfg }, async (p) => {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    const r = await openssl("req", "-x509", "-config", p("req.cnf"), ...ec, "-keyout", p("key.pem"), "-out", p("crt.pem"), "-days", String(days));
    expect(r.code, r.stderr).toBe(0);
    if (otherKey) expect((await openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", p("key.pem"))).code).toBe(0);
    return { crt: await readFile(p("crt.pem"), "utf8"), key: await readFile(p("key.pem"), "utf8") };
  });
}

/** A CA from our own generator, valid from `start` for `days` (openssl cannot backdate in 3.0). */
async function shiftedCa(start: Date, days: number): Promise<{ crt: string; key: string }> {
  const ca = await createCertificateAuthority({ commonName: "hostile CA", now: start, validityDays: days });
  return { crt: ca.certificatePem, key: ca.privateKeyPem };
}

async function opensslDate(pem: string, which: "startdate" | "enddate"): Promise<Date> {
  const r = await withFiles({ "c.pem": pem }, (p) => openssl("x509", "-in", p("c.pem"), "-noout", `-${which}`));
  return new Date(r.stdout.trim().replace(/^not(Before|After)=/, ""));
}

/** openssl's verdict on leafPem under caPem, at `at` (the operator's fake time) or now. */
async function opensslVerify(caPem: string, leafPem = caPem, at?: Date): Promise<string> {
  const time = at ? ["-attime", String(Math.floor(at.getTime() / 1000))] : [];
  const r = await withFiles({ "ca.pem": caPem, "leaf.pem": leafPem }, (p) => openssl("verify", ...time, "-CAfile", p("ca.pem"), p("leaf.pem")));
  return `${r.code} ${r.stdout} ${r.stderr}`;
}

const profile = (name: string, caSecretName: string, spec: Record<string, unknown> = {}) =>
  client.create<KubeObject>(RA_PROFILES, { metadata: { name, namespace: ns }, spec: { authority: { type: "local", local: { caSecretName } }, ...spec } } as KubeObject);

const certificate = (name: string, profileName: string, spec: Record<string, unknown> = {}) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: profileName }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], privateKey: { algorithm: "ECDSA", size: 256 }, ...spec },
  } as KubeObject);

async function getProfile(name: string): Promise<KubeObject & { status?: ProfileStatus }> {
  return client.get(RA_PROFILES, ns, name);
}

type ReadyPred = (ready: { status: string; reason: string; message: string }) => boolean;

async function waitProfile(name: string, pred: ReadyPred, what: string, moving?: RunningOperator) {
  const check = async () => {
    const p = await getProfile(name);
    const ready = p.status?.conditions?.find((c) => c.type === "Ready");
    return ready && pred(ready) ? p : undefined;
  };
  return moving ? waitMovingClock(moving, check, what) : eventually(check, 30_000, what);
}

/**
 * Waits for check while moving the fake clock on now and then: a reconcile in flight when the
 * test last moved it read the old time, and its requeue must still come due. Never a real sleep.
 */
async function waitMovingClock<T>(o: RunningOperator, check: () => Promise<T | undefined>, what: string): Promise<T> {
  let polls = 0;
  return eventually(async () => {
    const v = await check();
    if (v === undefined && ++polls % 10 === 0) o.clock.advance(CA_RECHECK_INTERVAL_MS + 1000);
    return v;
  }, 30_000, what);
}

const certReady = (name: string) => async () => {
  const c = await getCert(client, ns, name);
  return readyOf(c)?.status === "True" ? c : undefined;
};

async function snapshot(name: string): Promise<{ rv: string | undefined; data: Record<string, string> | undefined }> {
  const s = await client.get<SecretObject>(SECRETS, ns, name);
  return { rv: s.metadata.resourceVersion, data: s.data };
}

/** Forces reconciles: the clock past the CA re-check interval (and any back-off), and a profile spec change. */
async function forceReconciles(o: RunningOperator, profileName: string, opts: { rounds?: number; certificates?: boolean } = {}): Promise<void> {
  for (let i = 0; i < (opts.rounds ?? 3); i++) {
    const certs = await o.certificateReconciles();
    const profiles = await o.profileReconciles();
    o.clock.advance(CA_RECHECK_INTERVAL_MS + 1000);
    await client.patch(RA_PROFILES, ns, profileName, { spec: { policy: { allowExternalCSR: i % 2 === 0 } } });
    const risen = async () => (await o.profileReconciles()) > profiles && (opts.certificates === false || (await o.certificateReconciles()) > certs);
    await eventually(async () => ((await risen()) ? true : undefined), 20_000, "reconciles");
  }
}

async function profileEvents(name: string, reason: string): Promise<number> {
  const list = await client.list<KubeObject & { reason: string; regarding: { name: string; kind: string } }>(EVENTS, { namespace: ns });
  return list.items.filter((e) => e.regarding.kind === "RAProfile" && e.regarding.name === name && e.reason === reason).length;
}

async function gauge(name: string, profileName: string, o: RunningOperator): Promise<number | undefined> {
  const m = await o.metrics.registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.profile === profileName && v.labels.namespace === ns)?.value;
}

/** The refusal every hostile CA gets: on the profile and its Certificate, the same reason; nothing written. */
async function expectRefused(o: RunningOperator, reason: string, text: string): Promise<void> {
  const p = await waitProfile("p", (r) => r.status === "False" && r.reason === reason, `profile ${reason}`);
  expect(readyOf(p)?.message).toContain(text);
  expect(readyOf(p)?.message).toContain("CA Secret ca");
  const r = await waitNotReady(client, ns, "c");
  expect(r.reason).toBe(reason);
  expect(r.message).toContain(text);
}

describe("the CA must be valid", () => {
  it("an expired CA: CAExpired on profile and Certificate, nothing written; replacing it recovers", async () => {
    const pems = await shiftedCa(new Date(Date.now() - 400 * DAY), 365);
    const o = await setup("ca-expired");
    expect(await opensslVerify(pems.crt)).toContain("certificate has expired");
    await putCa("ca", pems);
    const before = await snapshot("ca");
    await profile("p", "ca");
    await certificate("c", "p");
    await expectRefused(o, CAReason.Expired, "expired at");
    expect(new Date((await getProfile("p")).status!.caNotAfter!).getTime()).toBe((await opensslDate(pems.crt, "enddate")).getTime());
    const writes = o.secretWrites();
    await forceReconciles(o, "p");
    expect(await snapshot("ca")).toEqual(before);
    expect(o.secretWrites()).toBe(writes);
    expect(await client.find(SECRETS, ns, "c-tls")).toBeUndefined();
    expect(readyOf(await getCert(client, ns, "c"))?.reason).toBe(CAReason.Expired);

    // The user replaces the CA: the profile's periodic re-check picks it up, the Certificate follows.
    const fresh = await opensslCa(365);
    await putCa("ca", fresh);
    o.clock.advance(CA_RECHECK_INTERVAL_MS + 1000);
    await waitProfile("p", (r) => r.status === "True", "profile Ready after the CA was replaced", o);
    // Today's Certificate reconciler waits out the back-off of its failed attempts first.
    const retryAt = (await getCert(client, ns, "c")).status as { nextRetryTime?: string };
    if (retryAt.nextRetryTime) o.clock.set(new Date(Math.max(o.clock.now().getTime(), new Date(retryAt.nextRetryTime).getTime()) + 1000));
    await waitMovingClock(o, certReady("c"), "c Ready with the new CA");
    const leaf = await secretData(client, ns, "c-tls");
    expect(await opensslVerify(fresh.crt, leaf["tls.crt"], o.clock.now())).toMatch(/^0 .*OK/);
    expect((await secretData(client, ns, "ca"))["tls.crt"]).toBe(fresh.crt);
  });

  it("a CA not yet valid: CANotYetValid, nothing written, and it flips to Ready at notBefore by itself", async () => {
    const pems = await shiftedCa(new Date(Date.now() + 2 * DAY), 365);
    const o = await setup("ca-early");
    expect(await opensslVerify(pems.crt)).toContain("certificate is not yet valid");
    await putCa("ca", pems);
    const before = await snapshot("ca");
    await profile("p", "ca", { enabled: true });
    await certificate("c", "p");
    await expectRefused(o, CAReason.NotYetValid, "not valid before");
    const notBefore = await opensslDate(pems.crt, "startdate");
    expect(new Date((await getProfile("p")).status!.caNotBefore!).getTime()).toBe(notBefore.getTime());
    const writes = o.secretWrites();
    await forceReconciles(o, "p");
    expect(await snapshot("ca")).toEqual(before);
    expect(o.secretWrites()).toBe(writes);
    expect(await client.find(SECRETS, ns, "c-tls")).toBeUndefined();

    o.clock.set(new Date(notBefore.getTime() + 1000));
    await waitProfile("p", (r) => r.status === "True", "profile Ready at notBefore", o);
    const c = await waitMovingClock(o, certReady("c"), "c Ready once the CA is valid");
    expect(new Date(c.status!.notBefore!).getTime()).toBeGreaterThanOrEqual(notBefore.getTime());
    expect(await snapshot("ca")).toEqual(before);
  });

  it("a key that does not match the certificate: CAKeyMismatch on both, nothing written", async () => {
    const pems = await opensslCa(365, true);
    const o = await setup("ca-key");
    const spki = await withFiles({ "c.pem": pems.crt, "k.pem": pems.key }, async (p) => [
      (await openssl("x509", "-in", p("c.pem"), "-noout", "-pubkey")).stdout,
      (await openssl("pkey", "-in", p("k.pem"), "-pubout")).stdout,
    ]);
    expect(spki[0]).toContain("PUBLIC KEY");
    expect(spki[0]).not.toBe(spki[1]);
    await putCa("ca", pems);
    const before = await snapshot("ca");
    await profile("p", "ca");
    await certificate("c", "p");
    await expectRefused(o, CAReason.KeyMismatch, "tls.key is not the private key");
    const writes = o.secretWrites();
    await forceReconciles(o, "p");
    expect(await snapshot("ca")).toEqual(before);
    expect(o.secretWrites()).toBe(writes);
    expect(await client.find(SECRETS, ns, "c-tls")).toBeUndefined();
    expect(o.logs()).not.toContain("PRIVATE KEY");
  });

  it("a CA about to expire: warns once, refuses leaves that would outlive it, signs those that fit, expires by itself", async () => {
    const pems = await opensslCa(20);
    const o = await setup("ca-soon");
    const caNotAfter = await opensslDate(pems.crt, "enddate");
    await putCa("ca", pems);
    const before = await snapshot("ca");
    await profile("p", "ca", { defaults: { duration: "240h", renewBefore: "72h" } });
    const p = await waitProfile("p", (r) => r.status === "True", "profile Ready");
    expect(new Date(p.status!.caNotAfter!).getTime()).toBe(caNotAfter.getTime());
    expect(p.status!.conditions!.find((c) => c.type === "CAExpiryNotice")).toMatchObject({ status: "True", reason: CAReason.ExpiringSoon });
    await eventually(async () => ((await profileEvents("p", CAReason.ExpiringSoon)) === 1 ? true : undefined), 20_000, "CAExpiringSoon event");
    expect(await gauge("certwright_ca_expiry_notice", "p", o)).toBe(1);
    expect(await gauge("certwright_ca_expiration_timestamp_seconds", "p", o)).toBe(caNotAfter.getTime() / 1000);

    await certificate("long", "p", { duration: "720h", renewBefore: "72h" });
    await certificate("fits", "p");
    const refused = await waitNotReady(client, ns, "long");
    expect(refused.reason).toBe(CAReason.DurationExceedsCA);
    expect(refused.message).toContain("renew the CA");
    await waitReady(client, ns, "fits");
    const leaf = (await secretData(client, ns, "fits-tls"))["tls.crt"]!;
    expect(await opensslVerify(pems.crt, leaf, o.clock.now())).toMatch(/^0 .*OK/);
    expect((await opensslDate(leaf, "enddate")).getTime()).toBeLessThanOrEqual(caNotAfter.getTime());

    const fitsSecret = await snapshot("fits-tls");
    const writes = o.secretWrites();
    await forceReconciles(o, "p");
    expect(o.secretWrites()).toBe(writes);
    expect(await snapshot("fits-tls")).toEqual(fitsSecret);
    expect(await client.find(SECRETS, ns, "long-tls")).toBeUndefined();
    expect(readyOf(await getCert(client, ns, "long"))?.reason).toBe(CAReason.DurationExceedsCA);
    expect(await profileEvents("p", CAReason.ExpiringSoon)).toBe(1);
    // CRLs were signed all along; their numbers live in a Secret certwright owns, not the CA's.
    expect(Number((await secretData(client, ns, "ca-crl-state"))["crl-number"])).toBeGreaterThanOrEqual(1);
    expect(await snapshot("ca")).toEqual(before);

    // Past the CA's notAfter the profile flips with no other trigger than time.
    o.clock.set(new Date(caNotAfter.getTime() + 2000));
    const expired = await waitProfile("p", (r) => r.status === "False" && r.reason === CAReason.Expired, "profile CAExpired", o);
    expect(expired.status!.conditions!.find((c) => c.type === "CAExpiryNotice")?.reason).toBe(CAReason.Expired);
    expect(await snapshot("ca")).toEqual(before);
  });

  it("CRL state lives in a Secret certwright owns: a generated CA and a supplied one with old state are never written", async () => {
    // A supplied CA Secret from an older version, with the CRL state it used to keep beside the key.
    const pems = await opensslCa(365);
    const o = await setup("ca-state");
    await client.create<SecretObject>(SECRETS, {
      metadata: { name: "old", namespace: ns },
      data: encodeSecretData({ "tls.crt": pems.crt, "tls.key": pems.key, "crl-number": "41", "revoked.json": "[]" }),
    });
    const oldBefore = await snapshot("old");
    await profile("legacy", "old");
    await profile("gen", "gen-ca");
    await certificate("c", "gen");
    await waitProfile("legacy", (r) => r.status === "True", "legacy profile Ready");
    await eventually(async () => ((await getProfile("legacy")).status as { crlNumber?: number } | undefined)?.crlNumber === 42 || undefined, 20_000, "CRL 42");
    const issued = await waitReady(client, ns, "c");
    const gen = await client.get<SecretObject>(SECRETS, ns, "gen-ca");
    expect(gen.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("certwright");
    expect(Object.keys(gen.data ?? {}).sort()).toEqual(["tls.crt", "tls.key"]);
    const genBefore = await snapshot("gen-ca");

    await client.patch(CERTIFICATES, ns, "c", { spec: { revocation: { reason: "keyCompromise" } } });
    await eventually(async () => {
      const state = await client.find<SecretObject>(SECRETS, ns, "gen-ca-crl-state");
      const revoked = state ? Buffer.from(state.data?.["revoked.json"] ?? "", "base64").toString() : "";
      return revoked.includes(issued.status!.serialNumber!) || undefined;
    }, 20_000, "revocation in the state Secret");
    await forceReconciles(o, "legacy", { certificates: false });
    o.clock.advance(13 * 3_600_000); // past the CRLs' halfway point: both are signed again
    await waitMovingClock(o, async () => ((await getProfile("legacy")).status as { crlNumber?: number } | undefined)?.crlNumber === 43 || undefined, "CRL 43");
    expect(Number((await secretData(client, ns, "old-crl-state"))["crl-number"])).toBe(43);
    expect(await snapshot("old")).toEqual(oldBefore);
    expect(await snapshot("gen-ca")).toEqual(genBefore);
  });
});
