// The whole reconcile (gather -> plan -> act -> statusFor -> requeue) without a cluster: an
// in-memory object store that keeps the API server's write rules that matter here (merge patch,
// resourceVersion fencing, AlreadyExists, status subresource), the real local CA connector on it,
// and a fake clock. Each case asserts the state left behind and the writes it took.
import { describe, expect, it } from "vitest";
import type { CertificateStatus } from "../../api/certificate.ts";
import { createConnector } from "../../connectors/factory.ts";
import { ConnectorError, type Connector } from "../../connectors/connector.ts";
import type { KubeClient } from "../../kube/client.ts";
import { KubeApiError } from "../../kube/errors.ts";
import { FreshView } from "../../kube/fresh-view.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import type { ResourceType } from "../../kube/resources.ts";
import { decodeSecretData, encodeSecretData, KubeSecretStore } from "../../kube/secret-store.ts";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { buildCsr, parseAndVerifyCsr } from "../../pki/csr.ts";
import { generatePrivateKey, publicKeyPemFromPrivate } from "../../pki/keys.ts";
import { usagesForType } from "../../pki/usages.ts";
import { certificateMatchesKey, inspectCertificate, verifyIssuedBy } from "../../pki/inspect.ts";
import { captureLogger } from "../../observability/log-capture.ts";
import { FakeClock } from "../../runtime/clock.ts";
import type { ReconcileContext } from "../../runtime/controller.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { CertificateReconciler, REVOKE_ON_DELETE_FINALIZER } from "./certificate-reconciler.ts";

const DAY = 86_400_000;
const NS = "team";

/** An in-memory API server: objects by resource/namespace/name, resourceVersions, and a write log. */
class MemoryApi {
  readonly objects = new Map<string, KubeObject>();
  readonly writes: string[] = [];
  private rv = 1;

  key(r: ResourceType, ns: string | undefined, name: string): string {
    return `${r.plural}/${ns ?? ""}/${name}`;
  }

  client(): KubeClient {
    const api = {
      withSignal: () => api,
      find: (r: ResourceType, ns: string | undefined, name: string) => later(() => clone(this.objects.get(this.key(r, ns, name)))),
      get: (r: ResourceType, ns: string | undefined, name: string) => later(() => {
        const o = this.objects.get(this.key(r, ns, name));
        if (!o) throw new KubeApiError(404, "NotFound", `${name} not found`);
        return clone(o);
      }),
      create: (r: ResourceType, obj: KubeObject) => later(() => {
        const k = this.key(r, obj.metadata.namespace, obj.metadata.name ?? "");
        if (this.objects.has(k)) throw new KubeApiError(409, "AlreadyExists", `${obj.metadata.name} already exists`);
        this.writes.push(`create ${r.plural}`);
        return this.store(k, { ...obj, metadata: { ...obj.metadata, uid: `uid-${this.rv}` } });
      }),
      replace: (r: ResourceType, obj: KubeObject) => later(() => {
        const k = this.key(r, obj.metadata.namespace, obj.metadata.name ?? "");
        this.fence(k, obj.metadata.resourceVersion);
        this.writes.push(`replace ${r.plural}`);
        return this.store(k, { ...obj, metadata: { ...this.objects.get(k)!.metadata, ...obj.metadata } });
      }),
      patch: (r: ResourceType, ns: string | undefined, name: string, body: { metadata?: { resourceVersion?: string } }, opts: { subresource?: string } = {}) => later(() => {
        const k = this.key(r, ns, name);
        this.fence(k, body.metadata?.resourceVersion);
        this.writes.push(`patch ${r.plural}${opts.subresource ? `/${opts.subresource}` : ""}`);
        const current = this.objects.get(k)!;
        const patched = mergePatch(current, opts.subresource === "status" ? { status: (body as { status?: unknown }).status } : body) as KubeObject;
        return this.store(k, patched);
      }),
    };
    return api as unknown as KubeClient;
  }

  private fence(k: string, rv: string | undefined): void {
    const o = this.objects.get(k);
    if (!o) throw new KubeApiError(404, "NotFound", `${k} not found`);
    if (rv !== undefined && rv !== o.metadata.resourceVersion) throw new KubeApiError(409, "Conflict", "the object has been modified");
  }

  private store(k: string, o: KubeObject): KubeObject {
    const stored = clone({ ...o, metadata: { ...o.metadata, resourceVersion: String(++this.rv) } });
    this.objects.set(k, stored);
    return clone(stored);
  }
}

/** Answers on a later turn, like a server; a throw becomes a rejection. */
function later<T>(f: () => T): Promise<T> {
  return Promise.resolve().then(f);
}

/** The connector's own member, as the Proxy hands it through. */
function own(t: Connector, k: string | symbol): unknown {
  return Reflect.get(t, k) as unknown;
}

const rejecting = (error: unknown) => () => Promise.reject(error instanceof Error ? error : new Error(String(error)));

function clone<T>(o: T): T {
  return o === undefined ? o : (JSON.parse(JSON.stringify(o)) as T);
}

/** RFC 7386 merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const CERTS: ResourceType = { group: "certwright.dev", version: "v1alpha1", plural: "certificates", kind: "Certificate", namespaced: true };

interface Setup {
  profileSpec?: Record<string, unknown>;
  connector?: (real: Connector) => Connector;
  /** Who else relies on a Secret by name (the RA boundary's directory). */
  secretUse?: (name: string) => { party: "profile" | "certificate"; description: string } | undefined;
}

/** A reconciler on the memory API with one RAProfile "p" (local CA), and helpers to drive it. */
function world(setup: Setup = {}) {
  const api = new MemoryApi();
  const kube = api.client();
  const clock = new FakeClock(new Date("2026-03-01T00:00:00Z"));
  const events: { reason: string; message: string; type: string }[] = [];
  const profileSpec = { authority: { type: "local", local: { caSecretName: "ca" } }, ...setup.profileSpec };
  const profiles = new Map<string, unknown>([["p", { apiVersion: "certwright.dev/v1alpha1", kind: "RAProfile", metadata: { name: "p", namespace: NS, uid: "pu", generation: 1 }, spec: profileSpec }]]);
  let connector: Connector | undefined;
  const connectors = {
    get: (p: { spec: { authority: Parameters<typeof createConnector>[0] } }) => {
      connector ??= (setup.connector ?? ((c) => c))(createConnector(p.spec.authority, new KubeSecretStore(kube, NS), () => clock.now()));
      return connector;
    },
  } as unknown as ConnectorRegistry;
  const certificates = new FreshView<KubeObject>((k) => clone(api.objects.get(`certificates/${k}`)));
  const secrets = new FreshView<SecretObject>((k) => clone(api.objects.get(`secrets/${k}`)));
  const reconciler = new CertificateReconciler({
    client: kube,
    certificates,
    secrets,
    profiles: { raProfile: (_ns, name) => profiles.get(name), clusterRAProfile: () => undefined, namespaceLabels: () => ({}), clusterResourceNamespace: "system" },
    directory: { secretUse: (_ns, name) => setup.secretUse?.(name), certificateByUid: () => undefined, certificateByName: () => undefined },
    connectors,
    clock,
    events: { emit: (_o, e) => void events.push(e) },
  });
  const rc = (leading = true): ReconcileContext => ({
    reconcileID: "r",
    log: captureLogger("error").log,
    signal: new AbortController().signal,
    assertLeader: () => {
      if (!leading) throw new Error("not the leader");
    },
  });
  const create = (name: string, spec: Record<string, unknown> = {}) =>
    kube.create(CERTS, { apiVersion: "certwright.dev/v1alpha1", kind: "Certificate", metadata: { name, namespace: NS, generation: 1 }, spec: { raProfileRef: { name: "p" }, type: "server", secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], ...spec } } as KubeObject);
  const cert = (name: string) => api.objects.get(`certificates/${NS}/${name}`) as KubeObject & { status?: CertificateStatus; spec: Record<string, unknown> };
  const secret = (name: string) => {
    const s = api.objects.get(`secrets/${NS}/${name}`);
    return s ? decodeSecretData(s) : undefined;
  };
  const cond = (name: string, type: string) => cert(name).status?.conditions?.find((c) => c.type === type);
  const line = (name: string) => ["Ready", "Reconciling", "Stalled"].map((t) => `${t}=${cond(name, t)?.status ?? "-"}`).join(" ");
  /** Changes the spec like a user: generation goes up. */
  const edit = async (name: string, spec: Record<string, unknown>) => {
    const c = cert(name);
    await kube.patch(CERTS, NS, name, { metadata: { generation: (c.metadata.generation ?? 1) + 1 }, spec });
  };
  return { api, kube, clock, events, reconciler, rc, create, cert, secret, cond, line, edit, reconcile: (name: string, leading = true) => reconciler.reconcile(`${NS}/${name}`, rc(leading)), connector: () => connector! };
}

const SECRETS_R: ResourceType = { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true };

/** A Proxy of the connector whose `method` fails with `error` while `on()` says so. */
function failing(method: keyof Connector, error: unknown, on: () => boolean = () => true) {
  return (c: Connector) =>
    new Proxy(c, { get: (t, k) => (k === method && on() ? rejecting(error) : own(t, k)) });
}

const statusWrites = (w: { api: MemoryApi }) => w.api.writes.filter((x) => x === "patch certificates/status").length;

describe("CertificateReconciler", () => {
  it("issues a new Certificate with one Secret write and one status write, then stays still", async () => {
    const w = world();
    await w.create("web");
    const r = await w.reconcile("web");
    const data = w.secret("web-tls")!;
    const leaf = inspectCertificate(data["tls.crt"]!);
    expect(leaf.sans.dnsNames).toEqual(["web.example.com"]);
    expect(certificateMatchesKey(data["tls.crt"]!, data["tls.key"]!)).toBe(true);
    expect(await verifyIssuedBy(data["tls.crt"]!, data["ca.crt"]!)).toBe(true);
    expect(w.line("web")).toBe("Ready=True Reconciling=False Stalled=False");
    expect(w.cert("web").status).toMatchObject({ revision: 1, serialNumber: leaf.serialNumber, observedGeneration: 1 });
    expect(statusWrites(w)).toBe(1);
    expect(r.requeueAfterMs).toBe(new Date(w.cert("web").status!.renewalTime!).getTime() - w.clock.now().getTime());
    expect(w.events.map((e) => e.reason)).toEqual(["Issued"]);

    const before = w.api.writes.length;
    await w.reconcile("web");
    expect(w.api.writes.length).toBe(before);
  });

  it("renews at the renewal time: a new serial, revision 2, the old one superseded", async () => {
    const w = world();
    await w.create("web");
    await w.reconcile("web");
    const first = w.cert("web").status!;
    w.clock.set(new Date(new Date(first.renewalTime!).getTime() + 1000));
    await w.reconcile("web");
    const s = w.cert("web").status!;
    expect(s.revision).toBe(2);
    expect(s.serialNumber).not.toBe(first.serialNumber);
    expect(s.history!.map((h) => h.state)).toEqual(["issued", "superseded"]);
    expect(statusWrites(w)).toBe(2);
  });

  it("revokes the superseded certificate when the profile says so, recorded in the history", async () => {
    const w = world({ profileSpec: { revocation: { onSupersede: "Revoke" } } });
    await w.create("web");
    await w.reconcile("web");
    const first = w.cert("web").status!;
    await w.edit("web", { dnsNames: ["web.example.com", "www.example.com"] });
    await w.reconcile("web");
    const old = w.cert("web").status!.history!.find((h) => h.serialNumber === first.serialNumber)!;
    expect(old).toMatchObject({ state: "revoked", revocationReason: "superseded" });
    expect(await w.connector().revokedCount()).toBe(1);
  });

  it("refuses what the policy forbids: nothing issued, Stalled with the reason, one Warning", async () => {
    const w = world({ profileSpec: { policy: { dnsNames: ["*.example.com"] } } });
    await w.create("bad", { dnsNames: ["bad.example.org"] });
    expect(await w.reconcile("bad")).toEqual({});
    expect(w.secret("bad-tls")).toBeUndefined();
    expect(w.line("bad")).toBe("Ready=False Reconciling=False Stalled=True");
    expect(w.cond("bad", "Stalled")!.message).toContain("refused by RAProfile p");
    await w.reconcile("bad");
    expect(w.events.filter((e) => e.type === "Warning")).toHaveLength(1);
  });

  it("waits for a profile that does not exist yet: Reconciling, not Stalled", async () => {
    const w = world();
    await w.create("early", { raProfileRef: { name: "later" } });
    await w.reconcile("early");
    expect(w.line("early")).toBe("Ready=False Reconciling=True Stalled=False");
    expect(w.cond("early", "Ready")!.reason).toBe("ProfileNotFound");
  });

  it("an object that does not parse is Stalled with InvalidSpec", async () => {
    const w = world();
    await w.create("broken", { type: "no-such-type" });
    await w.reconcile("broken");
    expect(w.cond("broken", "Stalled")).toMatchObject({ status: "True", reason: "InvalidSpec" });
  });

  it("revokes on request: Stalled, the history says revoked, the CA lists it, nothing re-issued", async () => {
    const w = world();
    await w.create("web");
    await w.reconcile("web");
    const serial = w.cert("web").status!.serialNumber!;
    await w.edit("web", { revocation: { reason: "keyCompromise" } });
    await w.reconcile("web");
    expect(w.line("web")).toBe("Ready=False Reconciling=False Stalled=True");
    expect(w.cert("web").status!.history![0]).toMatchObject({ serialNumber: serial, state: "revoked", revocationReason: "keyCompromise" });
    expect(w.cond("web", "ExpiryNotice")!.observedGeneration).toBe(2);
    expect(await w.connector().revokedCount()).toBe(1);
    const writes = w.api.writes.length;
    await w.reconcile("web");
    expect(w.api.writes.length).toBe(writes);
    expect(await w.connector().revokedCount()).toBe(1);
  });

  it("holds the delete finalizer for onDelete Revoke, added in the issuing reconcile, and revokes on deletion", async () => {
    const w = world({ profileSpec: { revocation: { onDelete: "Revoke" } } });
    await w.create("web");
    await w.reconcile("web");
    expect(w.cert("web").metadata.finalizers).toEqual([REVOKE_ON_DELETE_FINALIZER]);
    expect(w.line("web")).toBe("Ready=True Reconciling=False Stalled=False");
    await w.kube.patch(CERTS, NS, "web", { metadata: { deletionTimestamp: "2026-03-02T00:00:00Z" } });
    await w.reconcile("web");
    expect(await w.connector().revokedCount()).toBe(1);
    expect(w.cert("web").metadata.finalizers).toEqual([]);
  });

  it("backs off when the authority is down, keeps a valid certificate Ready, and skips the CA while the back-off runs", async () => {
    let down = false;
    const w = world({
      connector: (c) => new Proxy(c, {
        get: (t, k) => (k === "prepare" && down ? rejecting(new ConnectorError("CAUnavailable", "connection refused", true)) : own(t, k)),
      }),
    });
    await w.create("web");
    await w.reconcile("web");
    down = true;
    await w.reconcile("web");
    expect(w.line("web")).toBe("Ready=True Reconciling=False Stalled=False"); // up to date: the CA is not needed
    await w.edit("web", { dnsNames: ["web.example.com", "new.example.com"] });
    const r = await w.reconcile("web");
    expect(w.line("web")).toBe("Ready=False Reconciling=True Stalled=False");
    expect(w.cert("web").status).toMatchObject({ failedIssuanceAttempts: 1 });
    expect(r.requeueAfterMs).toBeGreaterThan(0);
    const writes = w.api.writes.length;
    const again = await w.reconcile("web");
    expect(w.api.writes.length).toBe(writes);
    expect(again.requeueAfterMs).toBeGreaterThan(0);
  });

  it("records an issuance whose status write was lost (crash between the two writes)", async () => {
    const w = world();
    await w.create("web");
    await w.reconcile("web");
    const serial = w.cert("web").status!.serialNumber;
    await w.kube.patch(CERTS, NS, "web", { status: { serialNumber: null, history: null, revision: null, notBefore: null, notAfter: null } }, { subresource: "status" });
    const r = await w.reconcile("web");
    expect(r.requeueAfterMs).toBe(0);
    expect(w.cert("web").status).toMatchObject({ serialNumber: serial, revision: 1 });
    expect(w.cert("web").status!.history![0]!.serialNumber).toBe(serial);
    expect(w.events.at(-1)!.message).toContain("recorded after an interrupted issuance");
  });

  it("rewrites a removed ca.crt from the certificate, without issuing", async () => {
    const w = world();
    await w.create("web");
    await w.reconcile("web");
    const before = w.secret("web-tls")!;
    const s = w.api.objects.get(`secrets/${NS}/web-tls`) as SecretObject;
    await w.kube.replace({ group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true }, { ...s, data: { ...s.data, "ca.crt": "" } });
    await w.reconcile("web");
    const after = w.secret("web-tls")!;
    expect(after["ca.crt"]).toBe(before["ca.crt"]);
    expect(after["tls.crt"]).toBe(before["tls.crt"]);
    expect(w.cert("web").status!.revision).toBe(1);
    expect(w.events.map((e) => e.reason)).toContain("OutputsRepaired");
  });

  it("signs nothing once leadership is lost", async () => {
    const w = world();
    await w.create("web");
    await expect(w.reconcile("web", false)).rejects.toThrow();
    expect(w.secret("web-tls")).toBeUndefined();
    expect(w.cert("web").status).toBeUndefined();
  });

  it("a status write fenced by a newer Certificate fails (409), for the next reconcile to decide again", async () => {
    const w = world({ profileSpec: { policy: { dnsNames: ["*.example.com"] } } });
    await w.create("bad", { dnsNames: ["bad.example.org"] });
    const stale = w.api.objects.get(`certificates/${NS}/bad`)!;
    await w.edit("bad", { dnsNames: ["still.example.org"] });
    // The cache still holds the old object: its resourceVersion no longer matches.
    const reconciler = new CertificateReconciler({ ...(w.reconciler as unknown as { d: ConstructorParameters<typeof CertificateReconciler>[0] }).d, certificates: new FreshView<KubeObject>(() => stale) });
    await expect(reconciler.reconcile(`${NS}/bad`, w.rc())).rejects.toMatchObject({ status: 409 });
  });

  it("asks a remote authority only after a first status says Reconciling", async () => {
    const seen: string[] = [];
    const w = world({
      connector: (c) => new Proxy(c, {
        get: (t, k) => {
          if (k === "type") return "acme";
          if (k === "issue") return async (req: Parameters<Connector["issue"]>[0]) => {
            seen.push(w.line("web"));
            return t.issue(req);
          };
          return own(t, k);
        },
      }),
    });
    await w.create("web");
    await w.reconcile("web");
    expect(seen).toEqual(["Ready=Unknown Reconciling=True Stalled=False"]);
    expect(w.line("web")).toBe("Ready=True Reconciling=False Stalled=False");
    expect(statusWrites(w)).toBe(2);
  });

  it("an authority's refusal (4xx) is Stalled and asked again in an hour; its CA's refusal waits for a change", async () => {
    let asked = 0;
    const refusing = (c: Connector) =>
      new Proxy(c, {
        get: (t, k) => (k === "issue" ? () => (asked++, Promise.reject(new ConnectorError("Unauthorized", "credentials refused", false))) : own(t, k)),
      });
    const w = world({ connector: refusing });
    await w.create("web");
    const r = await w.reconcile("web");
    expect(w.line("web")).toBe("Ready=False Reconciling=False Stalled=True");
    expect(w.cond("web", "Stalled")!.message).toBe("credentials refused");
    expect(r.requeueAfterMs).toBe(3_600_000);
    expect(w.cert("web").status!.failedIssuanceAttempts).toBeUndefined();

    // Remembered: no other reconcile sends it again before the hour, a spec change sends it at once.
    const writes = w.api.writes.length;
    await w.reconcile("web");
    expect(await w.reconcile("web")).toEqual({ requeueAfterMs: 3_600_000 });
    expect([asked, w.api.writes.length]).toEqual([1, writes]);
    await w.edit("web", { dnsNames: ["web.example.com", "www.example.com"] });
    await w.reconcile("web");
    expect(asked).toBe(2);
    expect(w.cert("web").status!.refusedRequest).toMatchObject({ generation: 2, profileGeneration: 1, time: "2026-03-01T00:00:00Z", retryTime: "2026-03-01T01:00:00Z" });

    const v = world({ connector: failing("prepare", new ConnectorError("CAExpired", "the CA expired", false)) });
    await v.create("web");
    expect(await v.reconcile("web")).toEqual({});
    expect(v.cond("web", "Stalled")).toMatchObject({ status: "True", reason: "CAExpired" });
  });

  it("a certificate that differs from the judged request is stored nowhere, and the request is not sent again before the hour", async () => {
    let calls = 0;
    // An authority that puts another name in than asked (as a misconfigured template would).
    const renaming = (c: Connector) =>
      new Proxy(c, {
        get: (t, k) =>
          k === "issue"
            ? (req: Parameters<Connector["issue"]>[0]) => {
                calls++;
                return t.issue({ ...req, sans: { ...req.sans, dnsNames: ["other.example.com"] } });
              }
            : own(t, k),
      });
    const w = world({ connector: renaming });
    await w.create("web");
    expect(await w.reconcile("web")).toEqual({ requeueAfterMs: 3_600_000 });
    expect(w.cond("web", "Stalled")).toMatchObject({ status: "True", reason: "IssuedCertificateMismatch" });
    expect(w.secret("web-tls")).toBeUndefined();
    await w.reconcile("web");
    expect(calls).toBe(1);
    w.clock.advance(3_600_000);
    await w.reconcile("web");
    expect(calls).toBe(2);
    await w.edit("web", { dnsNames: ["web.example.com", "www.example.com"] });
    await w.reconcile("web");
    expect(calls).toBe(3);
  });

  it("a failed issuance backs off with the attempt in the message, then succeeds when the authority is back", async () => {
    let down = true;
    const w = world({ connector: failing("issue", new ConnectorError("CAUnavailable", "503 from the CA", true), () => down) });
    await w.create("web");
    const r = await w.reconcile("web");
    expect(w.cond("web", "Ready")!.message).toMatch(/^503 from the CA \(attempt 1, next retry /);
    expect(r.requeueAfterMs).toBeGreaterThanOrEqual(9_000);
    expect(w.events.map((e) => e.reason)).toContain("CAUnavailable");
    down = false;
    w.clock.advance(r.requeueAfterMs! + 1000);
    await w.reconcile("web");
    expect(w.line("web")).toBe("Ready=True Reconciling=False Stalled=False");
    expect(w.cert("web").status!.revision).toBe(1);
    expect(w.cert("web").status!.failedIssuanceAttempts).toBeUndefined();
  });

  it("refuses a Secret another party relies on, and writes nothing into it", async () => {
    const w = world({ secretUse: (name) => (name === "ca" ? { party: "profile", description: "RAProfile team/p (spec.authority.local.caSecretName)" } : undefined) });
    await w.create("thief", { secretName: "ca" });
    await w.reconcile("thief");
    expect(w.cond("thief", "Stalled")).toMatchObject({ status: "True", reason: "SecretUsedByProfile" });
    expect(w.secret("ca")).toBeUndefined();
  });

  it("stops at the issuance rate limit, Reconciling until the hour frees", async () => {
    const w = world({ profileSpec: { policy: { maxIssuancesPerHour: 2 } } });
    await w.create("loop");
    await w.reconcile("loop");
    for (const id of ["a", "b"]) {
      await w.edit("loop", { renewalRequest: { id } });
      await w.reconcile("loop");
    }
    expect(w.cond("loop", "Ready")!.reason).toBe("IssuanceRateLimited");
    expect(w.line("loop")).toBe("Ready=False Reconciling=True Stalled=False");
    expect(w.cert("loop").status!.revision).toBe(2);
  });

  it("signs an external CSR when the profile allows it, storing no key; refuses it otherwise", async () => {
    const w = world({ profileSpec: { policy: { allowExternalCSR: true } } });
    const key = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    const csr = await buildCsr({ privateKeyPem: key, subject: { commonName: "ext.example.com" }, sans: { dnsNames: ["ext.example.com"] } });
    await w.kube.create(SECRETS_R, { metadata: { name: "csr", namespace: NS }, data: encodeSecretData({ "tls.csr": csr }) });
    await w.create("ext", { csrSecretRef: { name: "csr", key: "tls.csr" }, dnsNames: undefined });
    await w.reconcile("ext");
    const data = w.secret("ext-tls")!;
    expect(certificateMatchesKey(data["tls.crt"]!, key)).toBe(true);
    expect(data["tls.key"] ?? "").toBe("");

    const strict = world();
    await strict.create("ext", { csrSecretRef: { name: "csr", key: "tls.csr" }, dnsNames: undefined });
    await strict.reconcile("ext");
    expect(strict.cond("ext", "Stalled")).toMatchObject({ status: "True", reason: "ExternalCSRNotAllowed" });
  });

  it("a missing external CSR Secret backs off (it may still come)", async () => {
    const w = world({ profileSpec: { policy: { allowExternalCSR: true } } });
    await w.create("ext", { csrSecretRef: { name: "absent", key: "tls.csr" }, dnsNames: undefined });
    await w.reconcile("ext");
    expect(w.cond("ext", "Reconciling")).toMatchObject({ status: "True", reason: "CSRNotFound" });
    expect(w.cert("ext").status!.failedIssuanceAttempts).toBe(1);
  });

  it("a missing keystore password fails clearly and issues nothing", async () => {
    const w = world();
    await w.create("p12", { keystores: { pkcs12: { create: true, passwordSecretRef: { name: "absent", key: "password" } } } });
    await w.reconcile("p12");
    expect(w.cond("p12", "Ready")!.reason).toBe("KeystorePasswordNotFound");
    expect(w.secret("p12-tls")).toBeUndefined();
  });

  it("deletion after the profile went skips the revocation with a Warning and lets the Certificate go", async () => {
    const w = world({ profileSpec: { revocation: { onDelete: "Revoke" } } });
    await w.create("web");
    await w.reconcile("web");
    await w.kube.patch(CERTS, NS, "web", { metadata: { deletionTimestamp: "2026-03-02T00:00:00Z" }, spec: { raProfileRef: { name: "gone" } } });
    await w.reconcile("web");
    expect(w.events.map((e) => e.reason)).toContain("RevocationSkipped");
    expect(w.cert("web").metadata.finalizers).toEqual([]);
  });

  it("a revocation request is refused when the authority cannot revoke, or when nothing was issued", async () => {
    const w = world({ connector: (c) => new Proxy(c, { get: (t, k) => (k === "capabilities" ? new Set(["issue"]) : own(t, k)) }) });
    await w.create("web");
    await w.reconcile("web");
    await w.edit("web", { revocation: { reason: "keyCompromise" } });
    await w.reconcile("web");
    expect(w.cond("web", "Stalled")).toMatchObject({ status: "True", reason: "RevocationNotSupported" });
    const v = world({ profileSpec: { policy: { dnsNames: ["*.example.com"] } } });
    await v.create("never", { revocation: { reason: "keyCompromise" } });
    await v.reconcile("never");
    expect(v.cond("never", "Stalled")).toMatchObject({ status: "True", reason: "RevocationRequested" });
  });

  it("hands off to a person: publishes the CSR, waits, refuses a wrong certificate, accepts the right one", async () => {
    const w = world({ profileSpec: { authority: { type: "manual", manual: { instructions: "use the portal" } } } });
    const portal = await createCertificateAuthority({ commonName: "portal", now: w.clock.now() });
    await w.create("tpp");
    await w.reconcile("tpp");
    const req = w.secret("tpp-tls-request")!;
    expect(w.cond("tpp", "Issuing")).toMatchObject({ status: "True", reason: "AwaitingCertificate" });
    expect(w.cond("tpp", "Reconciling")!.message).toContain("use the portal");
    await w.reconcile("tpp");
    expect(w.secret("tpp-tls-request")!["tls.csr"]).toBe(req["tls.csr"]); // same CSR while waiting

    const csr = await parseAndVerifyCsr(req["tls.csr"]!);
    const sign = async (publicKeyPem: string) => {
      const notBefore = floorToSecond(w.clock.now());
      return signCertificate({ issuer: portal, publicKeyPem, subject: csr.subject, sans: csr.sans, ...usagesForType("server", csr.key.algorithm), notBefore, notAfter: new Date(notBefore.getTime() + 90 * DAY) });
    };
    const put = async (crt: string) => {
      const s = w.api.objects.get(`secrets/${NS}/tpp-tls-request`) as SecretObject;
      await w.kube.replace(SECRETS_R, { ...s, data: { ...s.data, ...encodeSecretData({ "tls.crt": crt, "ca.crt": portal.certificatePem }) } });
    };
    const other = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    await put(await sign(publicKeyPemFromPrivate(other)));
    await w.reconcile("tpp");
    expect(w.cond("tpp", "Ready")!.reason).toBe("HandedBackCertificateInvalid");
    expect(w.secret("tpp-tls")).toBeUndefined();

    await put(await sign(csr.publicKeyPem));
    await w.reconcile("tpp");
    expect(w.line("tpp")).toBe("Ready=True Reconciling=False Stalled=False");
    expect(w.cond("tpp", "Issuing")!.status).toBe("False");
    expect(w.secret("tpp-tls")!["tls.key"]).toBe(req["tls.key"]);
    expect(w.secret("tpp-tls-request")!["tls.key"]).toBeUndefined();
  });
});
