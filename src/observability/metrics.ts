// prom-client metrics named like cert-manager's, so its dashboards port with few edits.
// Each createMetrics() call owns its own Registry (no global state, tests stay isolated).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type ConditionStatus = "True" | "False" | "Unknown";
type CertLabels = "name" | "namespace" | "type" | "profile";
type CaLabels = "kind" | "namespace" | "profile";

export interface CertificateSample {
  namespace: string;
  name: string;
  type: string;
  profile: string;
  notAfter?: Date;
  renewalTime?: Date;
  ready: ConditionStatus;
  /** True while inside the expiry-notice window. */
  expiryNotice: boolean;
  /** The Ready condition's reason (e.g. Issued, Revoked, IssuanceFailed): alerts tell incidents from intent. */
  readyReason?: string | undefined;
}

export interface CaSample {
  kind: string;
  namespace: string;
  profile: string;
  notAfter: Date;
  /** True while inside the CA's notice window (or past its notAfter). */
  expiryNotice: boolean;
}

export interface CrlSample {
  kind: string;
  namespace: string;
  profile: string;
  thisUpdate: Date;
  nextUpdate: Date;
}

export interface Metrics {
  registry: Registry;
  certificateExpiration: Gauge<CertLabels>;
  certificateRenewal: Gauge<CertLabels>;
  certificateReady: Gauge<CertLabels | "condition">;
  certificateExpiryNotice: Gauge<CertLabels>;
  certificateReadyReason: Gauge<CertLabels | "condition" | "reason">;
  issuanceTotal: Counter<"connector" | "result">;
  issuanceDuration: Histogram<"connector" | "result">;
  reconcileTotal: Counter<"controller" | "result">;
  reconcileErrors: Counter<"controller">;
  reconcileDuration: Histogram<"controller">;
  apiWrites: Counter<"verb" | "resource">;
  leader: Gauge;
  caExpiration: Gauge<CaLabels>;
  caExpiryNotice: Gauge<CaLabels>;
  crlNextUpdate: Gauge<CaLabels>;
  crlThisUpdate: Gauge<CaLabels>;
  /** Sets the CRL series of one profile, each time its CRL is read or signed. */
  recordCrl(sample: CrlSample): void;
  /** Sets the CA series of one profile (namespace "" for a ClusterRAProfile). */
  recordCa(sample: CaSample): void;
  /** Deletes the CA and CRL series of a profile (deleted, or its authority shows no CA certificate). */
  forgetCa(kind: string, namespace: string, profile: string): void;
  /** Sets all per-certificate series, replacing older ones (e.g. when the profile changed). */
  recordCertificate(sample: CertificateSample): void;
  /** Deletes the per-certificate series (on Certificate deletion). */
  forgetCertificate(namespace: string, name: string): void;
}

export interface MetricsOptions {
  /** Also collect Node process metrics (main turns this on). */
  defaultMetrics?: boolean;
}

const CERT_LABELS: CertLabels[] = ["name", "namespace", "type", "profile"];
const CONDITIONS: ConditionStatus[] = ["True", "False", "Unknown"];

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> =>
    new Gauge({ name, help, labelNames, registers });
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    new Counter({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> =>
    new Histogram({ name, help, labelNames, buckets, registers });

  const m = {
    registry,
    certificateExpiration: gauge(
      "certwright_certificate_expiration_timestamp_seconds",
      "The date after which the certificate expires, as Unix seconds.",
      CERT_LABELS,
    ),
    certificateRenewal: gauge(
      "certwright_certificate_renewal_timestamp_seconds",
      "The time after which the certificate will be renewed, as Unix seconds.",
      CERT_LABELS,
    ),
    certificateReady: gauge(
      "certwright_certificate_ready_status",
      "The Ready condition of the certificate (1 on the current status).",
      [...CERT_LABELS, "condition"],
    ),
    certificateExpiryNotice: gauge(
      "certwright_certificate_expiry_notice",
      "1 while the certificate is inside its expiry-notice window.",
      CERT_LABELS,
    ),
    certificateReadyReason: gauge(
      "certwright_certificate_ready_reason",
      "1 for the Ready condition's current status and reason (one series per certificate), e.g. condition=\"False\", reason=\"Revoked\".",
      [...CERT_LABELS, "condition", "reason"],
    ),
    issuanceTotal: counter("certwright_issuance_total", "Issuance attempts by connector and result.", [
      "connector",
      "result",
    ]),
    issuanceDuration: histogram(
      "certwright_issuance_duration_seconds",
      "Time of one connector issue call, from request to signed certificate (result success) or to the error (refused: not retried; failure: retried).",
      ["connector", "result"],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    ),
    reconcileTotal: counter("certwright_controller_reconcile_total", "Reconciles by controller and result.", [
      "controller",
      "result",
    ]),
    reconcileErrors: counter("certwright_controller_reconcile_errors_total", "Reconciles that failed.", [
      "controller",
    ]),
    reconcileDuration: histogram(
      "certwright_controller_reconcile_duration_seconds",
      "Time per reconcile.",
      ["controller"],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    ),
    apiWrites: counter("certwright_api_writes_total", "Writes to the Kubernetes API by verb and resource.", [
      "verb",
      "resource",
    ]),
    leader: new Gauge({ name: "certwright_leader", help: "1 while this replica holds the leader lease.", registers }),
  };
  const tracker = certificateTracker(m);
  const ca = caGauges(gauge);
  return { ...m, ...tracker, ...ca };
}

type GaugeFactory = <L extends string>(name: string, help: string, labelNames: L[]) => Gauge<L>;

/** The per-profile CA and CRL series; a profile's labels never change, so removal needs no memory. */
function caGauges(gauge: GaugeFactory): Pick<Metrics, "caExpiration" | "caExpiryNotice" | "crlNextUpdate" | "crlThisUpdate" | "recordCa" | "recordCrl" | "forgetCa"> {
  const labelNames: CaLabels[] = ["kind", "namespace", "profile"];
  const caExpiration = gauge("certwright_ca_expiration_timestamp_seconds", "The notAfter of the CA certificate a profile signs with, as Unix seconds.", labelNames);
  const caExpiryNotice = gauge("certwright_ca_expiry_notice", "1 while the profile's CA certificate is inside its notice window or expired.", labelNames);
  const crlNextUpdate = gauge("certwright_crl_next_update_timestamp_seconds", "The nextUpdate of the profile's published CRL, as Unix seconds: relying parties refuse it after.", labelNames);
  const crlThisUpdate = gauge("certwright_crl_this_update_timestamp_seconds", "The thisUpdate of the profile's published CRL (when it was signed), as Unix seconds.", labelNames);
  return {
    caExpiration,
    caExpiryNotice,
    crlNextUpdate,
    crlThisUpdate,
    recordCrl(s) {
      const labels = { kind: s.kind, namespace: s.namespace, profile: s.profile };
      crlNextUpdate.set(labels, Math.floor(s.nextUpdate.getTime() / 1000));
      crlThisUpdate.set(labels, Math.floor(s.thisUpdate.getTime() / 1000));
    },
    recordCa(s) {
      const labels = { kind: s.kind, namespace: s.namespace, profile: s.profile };
      caExpiration.set(labels, Math.floor(s.notAfter.getTime() / 1000));
      caExpiryNotice.set(labels, s.expiryNotice ? 1 : 0);
    },
    forgetCa(kind, namespace, profile) {
      caExpiration.remove({ kind, namespace, profile });
      caExpiryNotice.remove({ kind, namespace, profile });
      crlNextUpdate.remove({ kind, namespace, profile });
      crlThisUpdate.remove({ kind, namespace, profile });
    },
  };
}

type CertGauges = Pick<Metrics, "certificateExpiration" | "certificateRenewal" | "certificateReady" | "certificateExpiryNotice" | "certificateReadyReason">;

// prom-client removes series only by their full label set, so remember the last one per certificate.
function certificateTracker(g: CertGauges): Pick<Metrics, "recordCertificate" | "forgetCertificate"> {
  const last = new Map<string, { labels: Record<CertLabels, string>; reason: { condition: string; reason: string } }>();
  const forget = (namespace: string, name: string): void => {
    const key = `${namespace}/${name}`;
    const prev = last.get(key);
    if (!prev) return;
    const labels = prev.labels;
    g.certificateReadyReason.remove({ ...labels, ...prev.reason });
    g.certificateExpiration.remove(labels);
    g.certificateRenewal.remove(labels);
    g.certificateExpiryNotice.remove(labels);
    for (const condition of CONDITIONS) g.certificateReady.remove({ ...labels, condition });
    last.delete(key);
  };
  const record = (s: CertificateSample): void => {
    const labels = { name: s.name, namespace: s.namespace, type: s.type, profile: s.profile };
    forget(s.namespace, s.name);
    const reason = { condition: s.ready, reason: s.readyReason ?? "" };
    last.set(`${s.namespace}/${s.name}`, { labels, reason });
    g.certificateReadyReason.set({ ...labels, ...reason }, 1);
    if (s.notAfter) g.certificateExpiration.set(labels, Math.floor(s.notAfter.getTime() / 1000));
    if (s.renewalTime) g.certificateRenewal.set(labels, Math.floor(s.renewalTime.getTime() / 1000));
    g.certificateExpiryNotice.set(labels, s.expiryNotice ? 1 : 0);
    for (const condition of CONDITIONS) g.certificateReady.set({ ...labels, condition }, condition === s.ready ? 1 : 0);
  };
  return { recordCertificate: record, forgetCertificate: forget };
}
