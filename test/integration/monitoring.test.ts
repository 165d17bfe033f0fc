// The monitoring pack against a real Prometheus (Debian's package, as .ci/run installs it): it
// scrapes the operator's /metrics every second and evaluates the chart's alert rules. In a
// scenario built to make every alert fire, each alert expression and each dashboard query returns
// a series from the live operator, the rules load (promtool, then ALERTS), and a revoked
// certificate is not a NotReady incident. Nothing is timed: everything is polled.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { startCzertainlyServer, type CzertainlyServer } from "../../src/connectors/testing/czertainly-server.ts";
import { CERTIFICATES, RA_PROFILES } from "../../src/kube/certwright-resources.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { monitorEventLoop, type EventLoopMonitor } from "../../src/observability/event-loop.ts";
import { startHealthServer, type HealthServer } from "../../src/observability/http-server.ts";
import { FakeClock } from "../../src/runtime/clock.ts";
import { CHART_DIR } from "../../tools/bundle.ts";
import { resolveBinaries } from "../../tools/control-plane/binaries.ts";
import { eventually, freshNamespace, testClient } from "../harness/cluster.ts";
import { startOperator, waitNotReady, waitReady, type RunningOperator } from "../harness/operator.ts";

const run = promisify(execFile);
const DAY = 86_400_000;
const UUID = "7d1f4a52-0c9e-4b7e-9d55-2f7c3c0e1a10";
const POLL_MS = 180_000;
const client = testClient();

interface Rule { alert: string; expr: string; for?: string }
interface Series { metric: Record<string, string>; value: [number, string] }

let ns: string;
let op: RunningOperator;
let health: HealthServer;
let loop: EventLoopMonitor;
let czertainly: CzertainlyServer;
let prometheus: ChildProcess;
let promUrl: string;
let dir: string;
let rules: Rule[];
let rulesFile: string;
let promLog = "";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The chart's PrometheusRule groups, rendered by helm, as a plain Prometheus rules file. */
async function renderedRuleGroups(): Promise<{ groups: { name: string; rules: Rule[] }[] }> {
  const { helm } = await resolveBinaries("helm");
  const { stdout } = await run(helm!, ["template", "certwright", CHART_DIR, "--kube-version", "1.36.3", "--set", "prometheus.prometheusrule.enabled=true"], { maxBuffer: 32 << 20 });
  const docs = parseAllDocuments(stdout).map((d) => d.toJS() as { kind?: string; spec?: { groups: { name: string; rules: Rule[] }[] } } | null);
  const pr = docs.find((d) => d?.kind === "PrometheusRule");
  if (!pr?.spec) throw new Error("the chart rendered no PrometheusRule");
  return { groups: pr.spec.groups };
}

async function query(expr: string): Promise<Series[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: Series[] } };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
  return body.data!.result;
}

/** Polls until the query returns a series that satisfies `pick` (any series by default). */
async function seriesOf(expr: string, pick: (s: Series) => boolean = () => true, what = expr): Promise<Series[]> {
  return eventually(async () => {
    const got = await query(expr);
    return got.some(pick) ? got : undefined;
  }, POLL_MS, what);
}

function dashboardExprs(dashboard: { panels: { title: string; targets: { expr: string }[] }[] }): { title: string; expr: string }[] {
  return dashboard.panels.flatMap((p) => p.targets.map((t) => ({ title: p.title, expr: t.expr })));
}

const profile = (name: string, spec: Record<string, unknown>) =>
  client.create<KubeObject>(RA_PROFILES, { metadata: { name, namespace: ns }, spec } as KubeObject);
const certificate = (name: string, profileName: string, duration: string) =>
  client.create<KubeObject>(CERTIFICATES, {
    metadata: { name, namespace: ns },
    spec: { raProfileRef: { name: profileName }, type: "transport", secretName: `${name}-tls`, subject: { commonName: name }, duration, privateKey: { algorithm: "ECDSA", size: 256 } },
  } as KubeObject);

beforeAll(async () => {
  const which = await run("sh", ["-c", "command -v prometheus && command -v promtool"]).catch(() => undefined);
  if (!which) throw new Error("prometheus and promtool are needed: apt-get install prometheus (.ci/run installs it)");
  dir = await mkdtemp(join(tmpdir(), "certwright-prometheus-"));
  rulesFile = join(dir, "rules.yaml");
  const groups = await renderedRuleGroups();
  rules = groups.groups.flatMap((g) => g.rules);
  await writeFile(rulesFile, stringify(groups));

  ns = await freshNamespace(client, "monitoring");
  // A day behind the real time Prometheus uses: what the operator signs then looks a day old to
  // Prometheus (a CRL past its nextUpdate, a renewal time passed), while the operator stays put.
  const clock = new FakeClock(new Date(Math.floor((Date.now() - DAY) / 1000) * 1000));
  op = await startOperator({ namespace: ns, clock });
  loop = monitorEventLoop(op.metrics.registry);
  health = await startHealthServer({ port: 0, host: "127.0.0.1", registry: op.metrics.registry, isReady: () => true, isHealthy: () => true });
  czertainly = await startCzertainlyServer({ authorityUuid: UUID });

  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  await writeFile(join(dir, "prometheus.yml"), stringify({
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: [rulesFile],
    scrape_configs: [{ job_name: "certwright", static_configs: [{ targets: [`127.0.0.1:${health.port}`] }] }],
  }));
  prometheus = spawn("prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  prometheus.stderr?.on("data", (b: Buffer) => (promLog = (promLog + b.toString()).slice(-8000)));
  await seriesOf('up{job="certwright"} == 1', () => true, "Prometheus scraping the operator");

  // Issued one after another, each after Prometheus saw the previous one: rates see increases.
  await profile("local", { authority: { type: "local", local: { caSecretName: "local-ca", generate: true } } });
  await certificate("healthy", "local", "720h");
  await waitReady(client, ns, "healthy");
  await seriesOf('certwright_issuance_total{connector="local", result="success"} >= 1');
  await certificate("overdue", "local", "2h");
  await waitReady(client, ns, "overdue");
  await seriesOf('certwright_issuance_total{connector="local", result="success"} >= 2');
  await certificate("revoked", "local", "720h");
  await waitReady(client, ns, "revoked");
  await client.patch(CERTIFICATES, ns, "revoked", { spec: { revocation: { reason: "keyCompromise" } } });
  await eventually(async () => {
    const c = await client.get<KubeObject & { status?: { conditions?: { type: string; reason: string }[] } }>(CERTIFICATES, ns, "revoked");
    return c.status?.conditions?.find((x) => x.type === "Ready")?.reason === "Revoked" ? true : undefined;
  }, 60_000, "revoked: Ready=False reason Revoked");
  // The profile sets its notice window explicitly: 60 days on a 30-day certificate.
  await profile("noticy", { authority: { type: "local", local: { caSecretName: "noticy-ca", generate: true } }, defaults: { expiryNotice: "1440h" } });
  await certificate("expiring", "noticy", "720h");
  await waitReady(client, ns, "expiring");
  // A CA inside its notice window (the window is the profile's: longer than the CA's life).
  await profile("old-ca", { authority: { type: "local", local: { caSecretName: "old-ca", generate: true } }, defaults: { expiryNotice: "200000h" } });
  // An authority answering 503 to every issue: retried, counted as failures.
  czertainly.rejectIssue = { status: 503, messages: ["the CA is busy"] };
  const raProfileAttributes = [
    { name: "ra_profile_engine", contentType: "object", content: [{ object: { engineName: "pki" } }] },
    { name: "ra_profile_role", contentType: "string", content: [{ string: "clients" }] },
  ];
  await profile("remote", { authority: { type: "http", http: { url: czertainly.url, authorityUuid: UUID, raProfileAttributes } } });
  await certificate("failing", "remote", "720h");
  await waitNotReady(client, ns, "failing");
  await seriesOf('certwright_issuance_total{connector="http", result="failure"} >= 1');
  // The retry after back-off (10 s on the operator's clock) fails again: an increase Prometheus sees.
  op.clock.advance(30_000);
  await seriesOf('certwright_issuance_total{connector="http", result="failure"} >= 2');
}, 600_000);

afterAll(async () => {
  prometheus?.kill("SIGTERM");
  if (prometheus && prometheus.exitCode === null) await new Promise((resolve) => prometheus.once("exit", resolve));
  loop?.stop();
  await health?.close();
  await op?.stop();
  await czertainly?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the chart's alert rules against a live operator", () => {
  it("pass promtool check rules", async () => {
    const { stdout } = await run("promtool", ["check", "rules", rulesFile]);
    expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(rules.map((r) => r.alert)).toEqual([
      "CertwrightCertificateNotReady", "CertwrightCertificateExpiringSoon", "CertwrightCertificateRenewalOverdue", "CertwrightIssuanceFailing",
      "CertwrightCAExpiringSoon", "CertwrightCRLStale",
    ]);
  });

  const alert = (name: string) => rules.find((r) => r.alert === name)!.expr;

  it("NotReady fires for the failing certificate, never for the revoked one", async () => {
    const got = await seriesOf(alert("CertwrightCertificateNotReady"), (s) => s.metric.name === "failing");
    expect(got.map((s) => s.metric.name)).not.toContain("revoked");
    // The revoked certificate is exported as Ready=False reason Revoked all the same.
    await seriesOf(`certwright_certificate_ready_reason{namespace="${ns}", name="revoked", condition="False", reason="Revoked"}`);
  });

  it("ExpiringSoon fires for the certificate inside its profile's window, not for healthy short-lived ones", async () => {
    const got = await seriesOf(alert("CertwrightCertificateExpiringSoon"), (s) => s.metric.name === "expiring");
    expect(got.map((s) => s.metric.name).sort()).toEqual(["expiring"]);
    // 30 days and 2 hours of life under the unset window: a third of the lifetime, so not in it.
    for (const name of ["healthy", "overdue"]) {
      const notice = await seriesOf(`certwright_certificate_expiry_notice{namespace="${ns}", name="${name}"}`);
      expect(notice[0]!.value[1]).toBe("0");
    }
  });

  it("RenewalOverdue fires for the certificate past its renewal time, not for the revoked one", async () => {
    const got = await seriesOf(alert("CertwrightCertificateRenewalOverdue"), (s) => s.metric.name === "overdue");
    expect(got.map((s) => s.metric.name)).not.toContain("revoked");
  });

  it("IssuanceFailing fires for the http connector", async () => {
    const got = await seriesOf(alert("CertwrightIssuanceFailing"), (s) => s.metric.connector === "http");
    expect(got.map((s) => s.metric.connector)).not.toContain("local");
  });

  it("CAExpiringSoon fires for the CA inside its notice window only", async () => {
    const got = await seriesOf(alert("CertwrightCAExpiringSoon"), (s) => s.metric.profile === "old-ca");
    expect(got.map((s) => s.metric.profile)).toEqual(["old-ca"]);
  });

  it("CRLStale fires for a CRL past its nextUpdate", async () => {
    await seriesOf(alert("CertwrightCRLStale"), (s) => s.metric.profile === "local" && s.metric.kind === "RAProfile");
  });

  it("every alert is pending in Prometheus' own evaluation of the rules file", async () => {
    const names = rules.map((r) => r.alert);
    const got = await seriesOf("ALERTS", (s) => s.metric.alertname === names.at(-1), "ALERTS");
    await eventually(async () => {
      const firing = new Set((await query("ALERTS")).map((s) => s.metric.alertname));
      return names.every((n) => firing.has(n)) ? true : undefined;
    }, POLL_MS, `ALERTS for ${names.join(", ")}`);
    expect(got.length).toBeGreaterThan(0);
    const notReady = await query('ALERTS{alertname="CertwrightCertificateNotReady"}');
    expect(notReady.map((s) => s.metric.name)).not.toContain("revoked");
  });
});

describe("the Grafana dashboard against a live operator", () => {
  it("every panel query returns a series", async () => {
    const dashboard = JSON.parse(await readFile(join(CHART_DIR, "files", "dashboards", "certwright.json"), "utf8")) as Parameters<typeof dashboardExprs>[0];
    const exprs = dashboardExprs(dashboard);
    expect(exprs.length).toBeGreaterThan(10);
    for (const { title, expr } of exprs) {
      // NaN is no answer: a latency with no observation, a rate with no increase.
      await seriesOf(expr, (s) => !Number.isNaN(Number(s.value[1])), `panel "${title}": ${expr}`);
    }
  });
});

process.on("exit", () => {
  if (promLog) process.stderr.write(`prometheus said:\n${promLog}\n`);
});
