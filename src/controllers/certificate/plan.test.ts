import { describe, expect, it } from "vitest";
import type { CertificateStatus } from "../../api/certificate.ts";
import { ConnectorError } from "../../connectors/connector.ts";
import type { Existing } from "./decide.ts";
import type { DesiredRequest } from "./desired.ts";
import { AUTHORITY_REFUSAL_RECHECK_MS, authorityFailed, interrupted, plan, safeMessage, type Facts, type Plan } from "./plan.ts";
import { refusedRequestRecord, requestInputs } from "./refused-request.ts";

const DAY = 86_400_000;
const notBefore = new Date("2026-01-01T00:00:00Z");
const notAfter = new Date(notBefore.getTime() + 350 * DAY);
const now = new Date(notBefore.getTime() + 10 * DAY);
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

const desired = {
  type: "server",
  subject: "CN=a.example.com",
  subjectSpec: { commonName: "a.example.com" },
  sans: { dnsNames: ["a.example.com"], ipAddresses: [], uris: [], emailAddresses: [] },
  key: { algorithm: "ECDSA", size: 256 },
  durationMs: 350 * DAY,
  renewBeforeMs: 60 * DAY,
  rotationPolicy: "Always",
  external: false,
} as unknown as DesiredRequest;

const held: NonNullable<Existing["secret"]> = {
  hasCertificate: true,
  hasKey: true,
  keyMatchesCertificate: true,
  issuedByCurrentCa: true,
  usagesMatchType: true,
  key: { algorithm: "ECDSA", size: 256 },
  certificate: {
    serialNumber: "0a", notBefore, notAfter, fingerprintSHA256: "f", subject: "CN=a.example.com", issuer: "CN=ca",
    sans: { dnsNames: ["a.example.com"], ipAddresses: [], uris: [], emailAddresses: [] },
    keyUsages: ["digitalSignature"], extKeyUsages: ["serverAuth"], spkiSha256: "s", isCA: false, subjectCanonical: "CN=a.example.com",
  },
};

const entry = (serial: string, state: "issued" | "revoked", extra: object = {}) => ({ serialNumber: serial, notBefore: iso(notBefore), notAfter: iso(notAfter), state, ...extra });
const issuedStatus: CertificateStatus = { observedGeneration: 1, serialNumber: "0a", notBefore: iso(notBefore), notAfter: iso(notAfter), revision: 1, history: [entry("0a", "issued", { issuedAt: iso(notBefore) })], conditions: [{ type: "Ready", status: "True", reason: "Issued", message: "", lastTransitionTime: iso(notBefore) }] };
const profile = { kind: "RAProfile" as const, name: "p", onDelete: "Retain" as const, onSupersede: "Retain" as const };
const authority = { type: "local", canRevoke: true, handOff: false, remote: false };
const owned = { owned: true as const };

/** A Certificate whose Secret holds a valid certificate matching the spec. */
const base: Facts = {
  generation: 1,
  status: issuedStatus,
  hasFinalizer: false,
  profile,
  admission: { desired },
  authority,
  secret: { ownership: owned, existing: held, record: { serialNumber: "0a", revision: 1 }, outputsStale: false },
};
const fresh: Facts = { ...base, status: {}, secret: { ownership: owned, outputsStale: false } };
const manual = (state: NonNullable<Facts["handOff"]>["state"], over: Partial<Facts> = {}): Facts => ({
  ...fresh,
  authority: { ...authority, type: "manual", handOff: true, canRevoke: false },
  handOff: { requestName: "a-tls-request", ask: "upload it", ownership: owned, state },
  ...over,
});
const failing: CertificateStatus = { observedGeneration: 1, failedIssuanceAttempts: 2, lastFailureTime: iso(new Date(now.getTime() - 5000)), nextRetryTime: iso(new Date(now.getTime() + 15_000)) };
const refusedBy = (reason: string) => ({ ownership: { owned: false as const, reason: reason as "SecretNotOwned", message: `${reason} message` }, outputsStale: false });
const handedBack = { kind: "handedBack" as const, certificatePem: "c", keyPem: "k", caPem: "ca" };
const caRefusal = new ConnectorError("CAExpired", "the CA expired", false);
const credentialRefusal = new ConnectorError("Unauthorized", "bad credentials", false);
const outage = new ConnectorError("CAUnavailable", "connection refused", true);
/** The authority refused this very request (generation 1, profile generation 0) `ago` ms before now. */
const refusedAgo = (ago: number, d: DesiredRequest = desired): CertificateStatus => ({
  observedGeneration: 1,
  refusedRequest: refusedRequestRecord(requestInputs(1, 0, d), new Date(now.getTime() - ago), AUTHORITY_REFUSAL_RECHECK_MS),
});
const otherNames = { ...desired, sans: { ...desired.sans, dnsNames: ["b.example.com"] } } as DesiredRequest;

/** What plan() chose, in one comparable line. */
function summary(p: Plan): string {
  const extra = [p.finalizer && `finalizer:${p.finalizer}`, p.announce && "announce"].filter(Boolean).join(" ");
  return [p.action.do, detailOf(p.action), extra].filter(Boolean).join(" ");
}

type A = Plan["action"];
const details: { [K in A["do"]]?: (a: Extract<A, { do: K }>) => string } = {
  refuse: (a) => `${a.reason}${a.stalled ? " stalled" : ""}${a.requeueAfterMs !== undefined ? ` in ${a.requeueAfterMs}` : ""}`,
  issue: (a) => `${a.decision.reason}${a.decision.reuseKey ? " reuse" : ""}`,
  publishRequest: (a) => `${a.decision.reason}${a.decision.reuseKey ? " reuse" : ""}`,
  nothing: (a) => (a.requeueAfterMs !== undefined ? `in ${a.requeueAfterMs}` : ""),
  finalize: (a) => (a.revoke ? `revoke ${a.revoke}` : a.skipped ? `skip ${a.skipped}` : ""),
  revokeCurrent: (a) => `${a.serial} ${a.reason}`,
  showRevoked: (a) => `${a.serial} ${a.reason}`,
  upToDate: (a) => (a.refreshOutputs ? "refresh" : ""),
  fail: (a) => a.reason,
  awaitHandBack: (a) => a.reason,
};

function detailOf(a: A): string {
  const f = details[a.do] as ((a: A) => string) | undefined;
  return f ? f(a) : "";
}

describe("plan", () => {
  const hour = (n: number) => Array.from({ length: n }, (_, i) => entry(`${i + 10}`, "issued", { issuedAt: iso(new Date(now.getTime() - (i + 1) * 60_000)) }));
  const table: [string, Facts, string][] = [
    // Guards before any profile is judged.
    ["an object that does not parse", { ...base, invalidSpec: "spec.type: bad" }, "refuse InvalidSpec stalled"],
    ["no profile facts (nothing read)", { ...base, profile: undefined }, "nothing"],
    ["profile not found: waits, not stalled", { ...base, profile: { reason: "ProfileNotFound", message: "gone" } }, "refuse ProfileNotFound"],
    ["profile does not allow the namespace", { ...base, profile: { reason: "ProfileNotAllowed", message: "no" } }, "refuse ProfileNotAllowed stalled"],
    ["profile disabled", { ...base, profile: { reason: "ProfileDisabled", message: "off" } }, "refuse ProfileDisabled stalled"],
    ["profile invalid", { ...base, profile: { reason: "ProfileInvalid", message: "bad" } }, "refuse ProfileInvalid stalled"],
    // Deletion.
    ["deleted without our finalizer", { ...base, deleting: true }, "nothing"],
    ["deleted, finalizer, certificate valid: revoke it", { ...base, deleting: true, hasFinalizer: true }, "finalize revoke 0a"],
    ["deleted, finalizer, already revoked", { ...base, deleting: true, hasFinalizer: true, status: { ...issuedStatus, history: [entry("0a", "revoked", { revocationReason: "keyCompromise" })] } }, "finalize"],
    ["deleted, finalizer, nothing issued", { ...base, deleting: true, hasFinalizer: true, status: {} }, "finalize"],
    ["deleted, finalizer, profile gone: skip the revocation", { ...base, deleting: true, hasFinalizer: true, profile: { reason: "ProfileNotFound", message: "gone" } }, "finalize skip 0a"],
    // The finalizer follows the profile's onDelete.
    ["onDelete Revoke adds the finalizer", { ...base, profile: { ...profile, onDelete: "Revoke" } }, "upToDate finalizer:add"],
    ["onDelete Retain removes it", { ...base, hasFinalizer: true }, "upToDate finalizer:remove"],
    // Admission.
    ["no admission read", { ...base, admission: undefined }, "nothing"],
    ["policy refusal", { ...base, admission: { refusal: { reason: "DNSNameNotAllowed", message: "no" } } }, "refuse DNSNameNotAllowed stalled"],
    ["CSR Secret missing: back-off", { ...base, admission: { failure: { reason: "CSRNotFound", message: "missing" } } }, "fail CSRNotFound"],
    // Revocation requested.
    ["revocation: revoke the current certificate", { ...base, revocation: "keyCompromise" }, "revokeCurrent 0a keyCompromise"],
    ["revocation: nothing issued", { ...base, revocation: "keyCompromise", status: {} }, "refuse RevocationRequested stalled"],
    ["revocation: already revoked", { ...base, revocation: "keyCompromise", status: { ...issuedStatus, history: [entry("0a", "revoked", { revocationReason: "superseded" })] } }, "showRevoked 0a superseded"],
    ["revocation: connector cannot revoke", { ...base, revocation: "keyCompromise", authority: { ...authority, canRevoke: false } }, "refuse RevocationNotSupported stalled"],
    ["policy refusal comes before revocation", { ...base, revocation: "keyCompromise", admission: { refusal: { reason: "KeyNotAllowed", message: "no" } } }, "refuse KeyNotAllowed stalled"],
    // The Secret.
    ["not read yet", { ...base, secret: undefined }, "nothing"],
    ["owned by another Certificate", { ...base, secret: refusedBy("SecretOwnedByOtherCertificate") }, "refuse SecretOwnedByOtherCertificate stalled"],
    ["interrupted issuance: record it", { ...base, status: {}, secret: { ...base.secret!, record: { serialNumber: "0a", revision: 3 } } }, "recordInterrupted"],
    ["up to date", base, "upToDate"],
    ["up to date, outputs drifted", { ...base, secret: { ...base.secret!, outputsStale: true } }, "upToDate refresh"],
    ["replaced by someone else", { ...base, secret: { ...base.secret!, record: { serialNumber: "ff", revision: 1 } } }, "issue Replaced"],
    ["revoked certificate in the Secret", { ...base, status: { ...issuedStatus, history: [entry("0a", "revoked", { revocationReason: "keyCompromise" })] } }, "issue Revoked"],
    // Issuance and what holds it back.
    ["no Secret: issue", fresh, "issue DoesNotExist"],
    ["no Secret, remote authority, first sight: announce first", { ...fresh, authority: { ...authority, type: "acme", remote: true } }, "issue DoesNotExist announce"],
    ["remote authority, status already written: no announcement", { ...fresh, status: failing, authority: { ...authority, type: "acme", remote: true } }, "nothing in 15000"],
    ["back-off running for this generation", { ...fresh, status: failing }, "nothing in 15000"],
    ["back-off of an older generation does not hold", { ...fresh, generation: 2, status: failing }, "issue DoesNotExist"],
    ["authority answered again since the failure", { ...fresh, status: failing, profile: { ...profile, readySince: iso(now) } }, "issue DoesNotExist"],
    ["CA outage", { ...fresh, authority: { ...authority, caError: outage } }, "authorityDown"],
    ["CA refused (its validity): waits for a change", { ...fresh, authority: { ...authority, caError: caRefusal } }, "refuse CAExpired stalled"],
    ["authority refused otherwise: asked again hourly", { ...fresh, authority: { ...authority, caError: credentialRefusal } }, `refuse Unauthorized stalled in ${AUTHORITY_REFUSAL_RECHECK_MS}`],
    // A request the authority refused (not about its CA) is not sent again before its recheck.
    ["authority refused this very request: not sent again before the recheck", { ...fresh, status: refusedAgo(60_000) }, `nothing in ${AUTHORITY_REFUSAL_RECHECK_MS - 60_000}`],
    ["refused request, recheck time passed: sent again", { ...fresh, status: refusedAgo(AUTHORITY_REFUSAL_RECHECK_MS + 1000) }, "issue DoesNotExist"],
    ["refused request, spec changed (new generation): sent at once", { ...fresh, generation: 2, status: refusedAgo(60_000) }, "issue DoesNotExist"],
    ["refused request, profile changed: sent at once", { ...fresh, status: refusedAgo(60_000), profile: { ...profile, generation: 4 } }, "issue DoesNotExist"],
    ["refused request, another request (e.g. a new external CSR): sent at once", { ...fresh, status: refusedAgo(60_000, otherNames) }, "issue DoesNotExist"],
    ["refused request, the authority turned Ready since: sent at once", { ...fresh, status: refusedAgo(60_000), profile: { ...profile, readySince: iso(now) } }, "issue DoesNotExist"],
    ["refused renewal while the held certificate is valid: up to date wins", { ...base, status: { ...issuedStatus, ...refusedAgo(60_000) } }, "upToDate"],
    ["rate limit reached", { ...fresh, status: { history: hour(10) } }, "refuse IssuanceRateLimited in 3000000"],
    ["rate limit from the profile", { ...fresh, status: { history: hour(2) }, profile: { ...profile, maxIssuancesPerHour: 2 } }, "refuse IssuanceRateLimited in 3480000"],
    // Hand-off.
    ["hand-off: publish the CSR", manual({ kind: "publish" }), "publishRequest DoesNotExist"],
    ["hand-off: waiting", manual({ kind: "waiting" }), "awaitHandBack AwaitingCertificate"],
    ["hand-off: handed back invalid", manual({ kind: "invalid", message: "wrong key" }), "awaitHandBack HandedBackCertificateInvalid"],
    ["hand-off: handed back", manual(handedBack), "acceptHandBack"],
    ["hand-off: request Secret not ours", manual({ kind: "publish" }, { handOff: { requestName: "r", ask: "", ownership: refusedBy("SecretNotOwned").ownership, state: { kind: "publish" } } }), "refuse SecretNotOwned stalled"],
    ["hand-off: not read", manual({ kind: "publish" }, { handOff: undefined }), "nothing"],
  ];
  it.each(table)("%s", (_name, facts, want) => {
    expect(summary(plan(facts, now))).toBe(want);
  });

  it("keeps the key on renewal when rotationPolicy is Never", () => {
    const due = new Date(notAfter.getTime() - 30 * DAY);
    const p = plan({ ...base, admission: { desired: { ...desired, rotationPolicy: "Never" } } }, due);
    expect(summary(p)).toBe("issue Expiring reuse");
  });

  it("hands the profile's instructions to the person in every message", () => {
    const p = plan(manual({ kind: "invalid", message: "wrong key" }), now);
    expect(p.action).toMatchObject({ message: "wrong key; upload it", invalid: "wrong key" });
    expect(plan(manual({ kind: "waiting" }), now).action).toMatchObject({ message: "waiting for the certificate: upload it" });
  });
});

describe("authorityFailed", () => {
  const sent = requestInputs(1, 0, desired);
  it("remembers a refused request that is asked again hourly, never a CA-validity refusal or an outage", () => {
    expect(authorityFailed(credentialRefusal, sent)).toMatchObject({ do: "refuse", requeueAfterMs: AUTHORITY_REFUSAL_RECHECK_MS, recheck: sent });
    expect(authorityFailed(caRefusal, sent)).not.toHaveProperty("recheck");
    expect(authorityFailed(caRefusal, sent)).not.toHaveProperty("requeueAfterMs");
    expect(authorityFailed(outage, sent)).toEqual({ do: "authorityDown", error: outage });
    // prepare() failed: no request reached the authority, nothing to remember.
    expect(authorityFailed(credentialRefusal)).not.toHaveProperty("recheck");
  });
});

describe("interrupted", () => {
  const secret = { ownership: owned, existing: held, record: { serialNumber: "0a", revision: 2 }, outputsStale: false };
  it("is the record's certificate missing from the status", () => {
    expect(interrupted({}, secret)).toBe(true);
    expect(interrupted(issuedStatus, secret)).toBe(false);
    expect(interrupted({ serialNumber: "09", history: [entry("0a", "issued")] }, secret)).toBe(false);
    expect(interrupted({}, { ...secret, record: { serialNumber: "ff", revision: 1 } })).toBe(false);
    expect(interrupted({}, { ...secret, record: undefined })).toBe(false);
  });
});

describe("safeMessage", () => {
  it("never lets key material through", () => {
    expect(safeMessage(new Error("-----BEGIN PRIVATE KEY----- x"))).toMatch(/withheld/);
    expect(safeMessage("x".repeat(5000))).toHaveLength(1000);
  });
});
