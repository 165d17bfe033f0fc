// An authority's refusal that is asked again hourly (here a CZERTAINLY connector's 422, judged by
// the contract-validating server) is sent to the authority once: forced reconciles, watch events
// and an operator restart send nothing more before the recheck time (status.refusedRequest
// remembers it), while a change of the profile or of the spec, and the recheck time itself, send
// exactly one new request each. The server counts what it received.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { encodeSecretData } from "../../src/kube/secret-store.ts";
import { startCzertainlyServer, type CzertainlyServer } from "../../src/connectors/testing/czertainly-server.ts";
import { AUTHORITY_REFUSAL_RECHECK_MS } from "../../src/controllers/certificate/plan.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { getCert, startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const UUID = "0b7e4c1a-5d2f-4e8b-9c3a-7f1d2e6b4a90";
const TOKEN = "recheck-token";
const REFUSAL = "role clients does not allow the requested subject";
const client = testClient();
let ns: string;
let server: CzertainlyServer;
let op: RunningOperator | undefined;

/** Issue requests that reached the authority (each passed the contract before it was refused). */
const issueRequests = () => server.received.filter((r) => r.operation === "issueCertificate").length;
const waitRequests = (n: number, what: string) => eventually(() => (issueRequests() >= n ? true : undefined), 60_000, what);

beforeAll(async () => {
  server = await startCzertainlyServer({ authorityUuid: UUID, token: TOKEN });
  server.rejectIssue = { status: 422, messages: [REFUSAL] };
  ns = await freshNamespace(client, "recheck");
  await client.create<SecretObject>(SECRETS, { metadata: { name: "czertainly-token", namespace: ns }, data: encodeSecretData({ token: TOKEN }) });
  await client.create<KubeObject>(RA_PROFILES, {
    metadata: { name: "czertainly", namespace: ns },
    spec: {
      authority: {
        type: "http",
        http: {
          url: server.url,
          authorityUuid: UUID,
          raProfileAttributes: [
            { name: "ra_profile_engine", contentType: "object", content: [{ object: { engineName: "pki" } }] },
            { name: "ra_profile_role", contentType: "string", content: [{ string: "clients" }] },
          ],
          tokenSecretRef: { name: "czertainly-token", key: "token" },
        },
      },
    },
  } as KubeObject);
  op = await startOperator({ namespace: ns });
  // Ready first: a profile turning Ready after a refusal would rightly send the request once more.
  await eventually(async () => {
    const p = await client.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(RA_PROFILES, ns, "czertainly");
    return p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") || undefined;
  }, 60_000, "the profile Ready");
  await client.create<KubeObject>(CERTIFICATES, {
    metadata: { name: "refused", namespace: ns },
    spec: { raProfileRef: { name: "czertainly" }, type: "client", secretName: "refused-tls", subject: { commonName: "refused" }, privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject);
}, 120_000);

afterAll(async () => {
  await op?.stop();
  await server?.stop();
});

describe("a refusal the authority is asked about again hourly", () => {
  it("is sent once: forced reconciles and watch events send nothing more before the recheck time", async () => {
    const ready = await waitNotReady(client, ns, "refused");
    expect([ready.reason, ready.message]).toEqual(["Rejected", `issue: HTTP 422: ${REFUSAL}`]);
    expect(issueRequests()).toBe(1);
    const status = (await getCert(client, ns, "refused")).status as { refusedRequest?: { time: string; retryTime: string; generation: number } };
    expect(status.refusedRequest?.generation).toBe(1);
    expect(Date.parse(status.refusedRequest!.retryTime) - Date.parse(status.refusedRequest!.time)).toBe(AUTHORITY_REFUSAL_RECHECK_MS);
    for (let i = 0; i < 3; i++) await op!.forceReconcile(ns, "refused");
    // A watch event on the Certificate that is no change of spec (a label), then one more look.
    await client.patch(CERTIFICATES, ns, "refused", { metadata: { labels: { touched: "yes" } } });
    await op!.forceReconcile(ns, "refused");
    expect(issueRequests()).toBe(1);
    expect((await getCert(client, ns, "refused")).metadata.generation).toBe(1);
  });

  it("an operator restart sends nothing either", async () => {
    await op!.stop();
    op = await startOperator({ namespace: ns });
    await eventually(async () => ((await op!.certificateReconciles()) >= 1 ? true : undefined), 60_000, "the new operator's first reconcile");
    await op.forceReconcile(ns, "refused");
    expect(issueRequests()).toBe(1);
    expect((await waitNotReady(client, ns, "refused")).reason).toBe("Rejected");
  });

  it("a change of the profile sends one new request at once", async () => {
    await client.patch(RA_PROFILES, ns, "czertainly", { spec: { policy: { maxIssuancesPerHour: 5 } } });
    await waitRequests(2, "the request under the changed profile");
    await op!.forceReconcile(ns, "refused");
    expect(issueRequests()).toBe(2);
  });

  it("a change of the spec sends one new request at once", async () => {
    await client.patch(CERTIFICATES, ns, "refused", { spec: { duration: "720h" } });
    await waitRequests(3, "the request of the new generation");
    await eventually(async () => ((await getCert(client, ns, "refused")).status as { refusedRequest?: { generation: number } }).refusedRequest?.generation === 2 || undefined, 30_000, "the refusal of generation 2");
    await op!.forceReconcile(ns, "refused");
    expect(issueRequests()).toBe(3);
  });

  it("at the recheck time the request is sent again, and issues once the authority accepts it", async () => {
    server.rejectIssue = undefined;
    op!.clock.advance(AUTHORITY_REFUSAL_RECHECK_MS + 1000);
    const c = await waitReady(client, ns, "refused");
    expect(issueRequests()).toBe(4);
    expect((c.status as { refusedRequest?: unknown }).refusedRequest).toBeUndefined();
    expect(c.status?.revision).toBe(1);
  });
});
