// Trust distribution (spec.trust) on the real control plane: bundles appear in the namespaces a
// profile targets and nowhere else, an RAProfile reaches beyond its namespace only where the
// namespace agreed, a ConfigMap certwright does not own is left alone, bundles follow a CA rotation
// and vanish with the profile. A Node TLS server that reads a bundle's files accepts a transport
// certificate and, with the distributed CRL, refuses it once revoked.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, createServer, type Server, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, CLUSTER_RA_PROFILES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { CONFIG_MAPS, EVENTS, NAMESPACES, SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { openssl, withFiles } from "../../src/pki/testing/openssl.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { secretData, startOperator, waitReady, type RunningOperator } from "../harness/operator.ts";

const client = testClient();
const id = randomBytes(3).toString("hex");
const selectLabel = `trust-test-${id}`;
const clusterProfile = `org-${id}`;
let op: RunningOperator;
let a: string, b: string, c: string, d: string, team: string;
let caOne: { crt: string; key: string };
let caTwo: { crt: string; key: string };

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const bundle = (ns: string, name: string) => client.find<ConfigMap>(CONFIG_MAPS, ns, name);
const bundleWhere = (ns: string, name: string, ok: (cm: ConfigMap) => boolean, what: string) =>
  eventually(async () => {
    const cm = await bundle(ns, name);
    return cm && ok(cm) ? cm : undefined;
  }, 60_000, what);
const gone = (ns: string, name: string) => eventually(async () => ((await bundle(ns, name)) ? undefined : true), 60_000, `${ns}/${name} removed`);

async function caCertificateOf(kind: "RAProfile" | "ClusterRAProfile", ns: string | undefined, name: string, not?: string): Promise<string> {
  return eventually(async () => {
    const p = await client.get<KubeObject & { status?: { caCertificate?: string } }>(kind === "RAProfile" ? RA_PROFILES : CLUSTER_RA_PROFILES, ns, name);
    const ca = p.status?.caCertificate;
    return ca && ca !== not ? ca : undefined;
  }, 60_000, `${kind} ${name} caCertificate`);
}

async function makeCa(cn: string): Promise<{ crt: string; key: string }> {
  return withFiles({}, async (path) => {
    await openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path("k.pem"), "-out", path("c.pem"),
      "-subj", `/CN=${cn}`, "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    return { crt: await readFile(path("c.pem"), "utf8"), key: await readFile(path("k.pem"), "utf8") };
  });
}

async function label(ns: string, labels: Record<string, string | null>): Promise<void> {
  await client.patch(NAMESPACES, undefined, ns, { metadata: { labels } });
}

beforeAll(async () => {
  // Before the operator's clock starts: the CAs are valid from its first second.
  caOne = await makeCa(`team CA one ${id}`);
  caTwo = await makeCa(`team CA two ${id}`);
  [a, b, c, d, team] = await Promise.all(["trust-a", "trust-b", "trust-c", "trust-d", "trust-team"].map((p) => freshNamespace(client, p))) as [string, string, string, string, string];
  for (const ns of [a, b, d]) await label(ns, { [selectLabel]: "yes" });
  // In d, a ConfigMap of the bundle's name that someone else owns.
  await client.create<ConfigMap>(CONFIG_MAPS, { metadata: { name: "org-ca", namespace: d }, data: { "ca.crt": "someone else's" } });
  await client.create(SECRETS, { metadata: { name: "team-ca", namespace: team }, type: "kubernetes.io/tls", data: encodeSecretData({ "tls.crt": caOne.crt, "tls.key": caOne.key }) } as KubeObject);
  // Every namespace: a ClusterRAProfile's bundles may go anywhere.
  op = await startOperator();
  await client.create<KubeObject>(CLUSTER_RA_PROFILES, {
    metadata: { name: clusterProfile },
    spec: {
      authority: { type: "local", local: { caSecretName: `${clusterProfile}-ca`, generate: true } },
      trust: { configMapName: "org-ca", includeCRL: true, namespaceSelector: { matchLabels: { [selectLabel]: "yes" } } },
    },
  } as KubeObject);
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "team", namespace: team },
    // The tenant asks for every namespace of the test: it gets its own, and those that agreed.
    spec: { authority: { type: "local", local: { caSecretName: "team-ca" } }, trust: { configMapName: "team-ca", namespaceSelector: { matchLabels: { "certwright.dev/test": "true" } } } },
  } as KubeObject);
}, 120_000);

afterAll(async () => {
  await op?.stop();
});

describe("a ClusterRAProfile's trust bundle", () => {
  it("appears with the CA chain and CRL in the selected namespaces, and not in others", async () => {
    const ca = await caCertificateOf("ClusterRAProfile", undefined, clusterProfile);
    for (const ns of [a, b]) {
      const cm = await bundleWhere(ns, "org-ca", (x) => x.data?.["ca.crt"] === ca && (x.data?.["ca.crl"] ?? "").includes("BEGIN X509 CRL"), `bundle in ${ns}`);
      expect(cm.metadata.labels?.["app.kubernetes.io/managed-by"]).toBe("certwright");
      expect(Object.keys(cm.data ?? {}).sort()).toEqual(["ca.crl", "ca.crt"]);
    }
    await op.operator.events.flush();
    expect(await bundle(c, "org-ca")).toBeUndefined();
  });

  it("puts back a bundle someone edited or deleted", async () => {
    const ca = await caCertificateOf("ClusterRAProfile", undefined, clusterProfile);
    const cm = (await bundle(a, "org-ca"))!;
    await client.replace<ConfigMap>(CONFIG_MAPS, { ...cm, data: { ...cm.data, "ca.crt": "tampered" } });
    await bundleWhere(a, "org-ca", (x) => x.data?.["ca.crt"] === ca, "the edited bundle restored");
    await client.delete(CONFIG_MAPS, b, "org-ca");
    await bundleWhere(b, "org-ca", (x) => x.data?.["ca.crt"] === ca, "the deleted bundle recreated");
  });

  it("never overwrites a ConfigMap it does not own, and says so on the profile", async () => {
    await eventually(async () => {
      const events = await client.list<KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }>(EVENTS);
      return events.items.find((e) => e.regarding?.name === clusterProfile && e.reason === "TrustConfigMapNotOwned" && e.note?.includes(`${d}/org-ca`));
    }, 60_000, "a TrustConfigMapNotOwned Event");
    expect((await bundle(d, "org-ca"))?.data).toEqual({ "ca.crt": "someone else's" });
  });

  it("follows the namespace selector: a namespace labelled later gets it, one unlabelled loses it", async () => {
    await label(c, { [selectLabel]: "yes" });
    await bundleWhere(c, "org-ca", (x) => (x.data?.["ca.crt"] ?? "").includes("BEGIN CERTIFICATE"), `bundle in ${c} after labelling`);
    await label(b, { [selectLabel]: null });
    await gone(b, "org-ca");
  });

  it("lets a TLS server that reads its files accept a transport certificate, and refuse it after revocation", async () => {
    await client.create<KubeObject>(CERTIFICATES, {
      metadata: { name: "partner", namespace: a },
      spec: { raProfileRef: { kind: "ClusterRAProfile", name: clusterProfile }, type: "transport", secretName: "partner-tls", subject: { commonName: "partner" }, privateKey: { algorithm: "ECDSA", size: 256 } },
    } as KubeObject);
    await waitReady(client, a, "partner");
    const transport = await secretData(client, a, "partner-tls");
    const before = (await bundle(a, "org-ca"))!;

    expect(await handshake(before, transport)).toEqual({ authorized: true });

    await client.patch(CERTIFICATES, a, "partner", { spec: { revocation: { reason: "keyCompromise" } } });
    // The CRL is re-signed with the serial, and the bundle follows.
    const after = await bundleWhere(a, "org-ca", (x) => x.data?.["ca.crl"] !== before.data?.["ca.crl"], "the bundle's CRL after revocation");
    const result = await handshake(after, transport);
    expect(result.authorized).toBe(false);
    expect(result.error).toMatch(/revoked/i);
  });

  it("is removed from every namespace when the profile goes, and the foreign ConfigMap stays", async () => {
    await client.delete(CLUSTER_RA_PROFILES, undefined, clusterProfile);
    for (const ns of [a, c]) await gone(ns, "org-ca");
    expect((await bundle(d, "org-ca"))?.data).toEqual({ "ca.crt": "someone else's" });
  });
});

describe("an RAProfile's trust bundle", () => {
  it("goes to its own namespace, and to others only when they carry trust.certwright.dev/<its namespace>=true", async () => {
    const ca = await caCertificateOf("RAProfile", team, "team");
    await bundleWhere(team, "team-ca", (x) => x.data?.["ca.crt"] === ca, "the bundle in the profile's namespace");
    await op.operator.events.flush();
    for (const ns of [a, b, c]) expect(await bundle(ns, "team-ca")).toBeUndefined();
    await label(a, { [`trust.certwright.dev/${team}`]: "true" });
    await bundleWhere(a, "team-ca", (x) => x.data?.["ca.crt"] === ca, "the bundle in the namespace that agreed");
    expect(await bundle(b, "team-ca")).toBeUndefined();
  });

  it("follows a CA rotation (the CA Secret replaced)", async () => {
    const old = await caCertificateOf("RAProfile", team, "team");
    expect(old).toContain(caOne.crt.trim().split("\n")[1]);
    await client.patch(SECRETS, team, "team-ca", { data: encodeSecretData({ "tls.crt": caTwo.crt, "tls.key": caTwo.key }) });
    // The profile re-reads its CA Secret every 5 minutes of its clock.
    op.clock.advance(6 * 60_000);
    const rotated = await caCertificateOf("RAProfile", team, "team", old);
    for (const ns of [team, a]) await bundleWhere(ns, "team-ca", (x) => x.data?.["ca.crt"] === rotated, `the rotated CA in ${ns}`);
    expect(rotated).toContain(caTwo.crt.trim().split("\n")[1]);
  });

  it("is removed when the profile goes", async () => {
    await client.delete(RA_PROFILES, team, "team");
    for (const ns of [team, a]) await gone(ns, "team-ca");
  });
});

/** A TLS server configured as a Deployment would be: ca.crt and ca.crl read from the mounted bundle's files. */
async function handshake(cm: ConfigMap, client: Record<string, string>): Promise<{ authorized: boolean; error?: string }> {
  const dir = await mkdtemp(join(tmpdir(), "trust-mount-"));
  let server: Server | undefined;
  try {
    for (const [k, v] of Object.entries(cm.data ?? {})) await writeFile(join(dir, k), v);
    const serverCert = await makeCa("localhost server");
    const ca = await readFile(join(dir, "ca.crt"), "utf8");
    const crl = await readFile(join(dir, "ca.crl"), "utf8").catch(() => undefined);
    const outcome = new Promise<{ authorized: boolean; error?: string }>((resolve) => {
      server = createServer({ key: serverCert.key, cert: serverCert.crt, ca, crl, requestCert: true, rejectUnauthorized: false }, (s: TLSSocket) => {
        resolve(s.authorized ? { authorized: true } : { authorized: false, error: String(s.authorizationError) });
        s.end("bye");
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const port = (server!.address() as { port: number }).port;
    const socket = connect({ host: "127.0.0.1", port, key: client["tls.key"], cert: client["tls.crt"], rejectUnauthorized: false });
    socket.on("error", () => undefined);
    socket.on("data", () => socket.end());
    const result = await outcome;
    socket.destroy();
    return result;
  } finally {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}
