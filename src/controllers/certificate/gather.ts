// Reads everything plan() judges: the Certificate, its profile, the external CSR, the Secret and
// what it holds, the authority's CA, the hand-off request. Bad data is a fact (a refusal, an
// invalid certificate, a failed prepare), never a thrown error; only a failing API read throws
// (the controller retries it with back-off). Reads stop at the first fact that decides the plan.
import { parseDuration } from "../../api/duration.ts";
import { parseCertificate, type Certificate } from "../../api/resources.ts";
import type { CertificateStatus } from "../../api/certificate.ts";
import type { Connector } from "../../connectors/connector.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { FreshView } from "../../kube/fresh-view.ts";
import type { KubeObject, SecretObject } from "../../kube/objects.ts";
import { SECRETS } from "../../kube/resources.ts";
import { decodeSecretData } from "../../kube/secret-store.ts";
import { CsrError, parseAndVerifyCsr, type CsrInfo } from "../../pki/csr.ts";
import { checkNameEncoding } from "../../pki/name-encoding.ts";
import { evaluatePolicy } from "../../policy/evaluate.ts";
import { infeasibility } from "../../policy/feasibility.ts";
import type { ConnectorRegistry } from "../connector-registry.ts";
import { isRefusal, resolveProfile, type ProfileLookup, type ResolvedProfile } from "../profiles/resolve-profile.ts";
import type { Existing } from "./decide.ts";
import { desiredFrom, type DesiredRequest } from "./desired.ts";
import { existingFrom } from "./existing.ts";
import { REQUEST_SUFFIX, judgeHandOff } from "./hand-off.ts";
import { judgeOwnership, type Ownership } from "./ownership.ts";
import { OutputError, outputsOutOfDate } from "./outputs.ts";
import type { Admission, AuthorityFacts, Facts, HandOffFacts, ProfileFacts } from "./plan.ts";
import { outputsDigest, readRecord, type SecretRecord } from "./secret-record.ts";
import type { CertificateDirectory } from "./secret-uses.ts";

/** Held while a Certificate must be revoked before it may go (profile revocation.onDelete: Revoke). */
export const REVOKE_ON_DELETE_FINALIZER = "certwright.dev/revoke-on-delete";

export interface GatherDeps {
  secrets: FreshView<SecretObject>;
  profiles: ProfileLookup;
  directory: CertificateDirectory;
  connectors: ConnectorRegistry;
}

/** What the actions work on, beside the facts plan() judged. */
export interface World {
  /** Undefined only when the object does not parse (facts.invalidSpec). */
  cert?: Certificate;
  profile?: ResolvedProfile;
  connector?: Connector;
  desired?: DesiredRequest;
  csr?: CsrInfo;
  /** The external CSR as read from its Secret (what the authority signs). */
  csrPem?: string;
  caPem?: string;
  secret?: SecretObject;
  data?: Record<string, string>;
  record?: SecretRecord;
  /** What the Secret holds, as judged by existingFrom(). */
  existing?: NonNullable<Existing["secret"]>;
  /** The hand-off request Secret, when the connector hands off. */
  request?: SecretObject;
  /** The profile's defaults.expiryNotice, when it sets one (else the window scales with the lifetime). */
  explicitNoticeMs?: number;
}

export interface Gathered {
  facts: Facts;
  world: World;
}

export async function gather(raw: KubeObject, kube: KubeClient, d: GatherDeps, signal: AbortSignal): Promise<Gathered> {
  const status = (raw as { status?: CertificateStatus }).status ?? {};
  const facts: Facts = { generation: raw.metadata.generation ?? 0, status };
  const world: World = {};
  let cert: Certificate;
  try {
    cert = parseCertificate(raw);
  } catch (e) {
    return { facts: { ...facts, invalidSpec: (e as Error).message }, world };
  }
  world.cert = cert;
  const ns = cert.metadata.namespace ?? "";
  const resolved = resolveProfile(cert.spec.raProfileRef, ns, d.profiles);
  facts.deleting = cert.metadata.deletionTimestamp !== undefined;
  facts.hasFinalizer = cert.metadata.finalizers?.includes(REVOKE_ON_DELETE_FINALIZER) ?? false;
  if (isRefusal(resolved)) return { facts: { ...facts, profile: resolved }, world };
  world.profile = resolved;
  facts.profile = profileFacts(resolved);
  const notice = resolved.spec.defaults?.expiryNotice;
  if (notice) world.explicitNoticeMs = parseDuration(notice);
  const connector = d.connectors.get(resolved);
  world.connector = connector;
  facts.authority = authorityFacts(connector);
  if (facts.deleting) return { facts, world };

  const admitted = await admit(cert, resolved, kube, world);
  facts.admission = admitted;
  if (!("desired" in admitted)) return { facts, world };
  world.desired = admitted.desired;
  world.csr = admitted.csr;
  if (cert.spec.revocation) return { facts: { ...facts, revocation: cert.spec.revocation.reason }, world };
  await gatherSecret(kube, d, signal, facts, world);
  return { facts, world };
}

/** The Secret, what it holds, the authority's CA and the hand-off request. */
async function gatherSecret(kube: KubeClient, d: GatherDeps, signal: AbortSignal, facts: Facts, world: World): Promise<void> {
  const cert = world.cert!;
  const connector = world.connector!;
  const desired = world.desired!;
  const ns = cert.metadata.namespace ?? "";
  const secret = await currentSecret(kube, d.secrets, ns, cert.spec.secretName);
  const ownership = ownershipOf(d.directory, cert, cert.spec.secretName, secret);
  world.secret = secret;
  facts.secret = { ownership, outputsStale: false };
  if (!ownership.owned) return;
  const data = secret ? decodeSecretData(secret) : undefined;
  const record = readRecord(secret);
  Object.assign(world, { data, record });
  const { caPem, caError } = await prepareAuthority(connector, signal);
  world.caPem = caPem;
  facts.authority!.caError = caError;
  desired.exactAuthority = connector.exactIssuance;
  const existing = await existingFrom(data, { type: desired.type, caPem, exactUsages: connector.exactIssuance });
  world.existing = existing;
  facts.secret = { ownership, existing, record, outputsStale: outputsStale(cert, secret, data, record) };
  if (connector.handOff) facts.handOff = await handOffFacts(kube, d, world);
}

function profileFacts(p: ResolvedProfile): ProfileFacts {
  return {
    kind: p.kind,
    name: p.name,
    generation: p.generation,
    onDelete: p.spec.revocation.onDelete,
    onSupersede: p.spec.revocation.onSupersede,
    maxIssuancesPerHour: p.spec.policy?.maxIssuancesPerHour,
    readySince: p.readySince,
  };
}

function authorityFacts(c: Connector): AuthorityFacts {
  // The local CA signs in this process within milliseconds; every other authority is a network call.
  return { type: c.type, canRevoke: c.capabilities.has("revoke"), handOff: c.handOff, remote: c.type !== "local" };
}

/** The RA's judgement: external CSR read and verified, then the profile's policy. */
async function admit(cert: Certificate, profile: ResolvedProfile, kube: KubeClient, world: World): Promise<Admission> {
  // Refuse external CSRs before reading one; the policy then judges what the CSR asks for.
  if (cert.spec.csrSecretRef && profile.spec.policy?.allowExternalCSR !== true) {
    return { refusal: { reason: "ExternalCSRNotAllowed", message: `refused by ${profile.kind} ${profile.name}: external CSRs are not allowed (policy.allowExternalCSR is false)` } };
  }
  let csr: CsrInfo | undefined;
  try {
    if (cert.spec.csrSecretRef) {
      world.csrPem = await readSecretKey(kube, cert, cert.spec.csrSecretRef, "CSRNotFound", "the external CSR");
      csr = await parseAndVerifyCsr(world.csrPem);
    }
  } catch (e) {
    if (e instanceof CsrError) return { refusal: { reason: "InvalidCSR", message: `the CSR in Secret ${cert.spec.csrSecretRef?.name}: ${e.message}` } };
    // The referenced Secret may appear later: retry with back-off.
    if (e instanceof OutputError) return { failure: { reason: e.reason, message: e.message } };
    throw e;
  }
  const desired = desiredFrom(cert.spec, profile.spec, csr);
  // Names are checked for what they will be encoded as before the policy judges them, so the
  // policy never judges a value other than the one the certificate would carry.
  const refusal = checkNameEncoding(desired.subjectSpec, desired.sans) ?? infeasibility(desired) ?? policyRefusal(profile, desired);
  if (refusal) return { refusal: { reason: refusal.rule, message: csr ? `the external CSR: ${refusal.message}` : refusal.message } };
  return { desired, csr };
}

function policyRefusal(profile: ResolvedProfile, desired: DesiredRequest): { rule: string; message: string } | undefined {
  const violation = evaluatePolicy(profile.spec, {
    type: desired.type,
    subject: desired.subjectSpec,
    sans: { dnsNames: desired.sans.dnsNames ?? [], ipAddresses: desired.sans.ipAddresses ?? [], uris: desired.sans.uris ?? [], emailAddresses: desired.sans.emailAddresses ?? [] },
    key: { algorithm: desired.key.algorithm, size: desired.key.size },
    durationMs: desired.durationMs,
    external: desired.external,
  });
  return violation ? { rule: violation.rule, message: `refused by ${profile.kind} ${profile.name}: ${violation.message}` } : undefined;
}

async function handOffFacts(kube: KubeClient, d: GatherDeps, world: World): Promise<HandOffFacts> {
  const { cert, profile, desired } = world as Required<Pick<World, "cert" | "profile" | "desired">>;
  const requestName = `${cert.spec.secretName}${REQUEST_SUFFIX}`;
  const request = await currentSecret(kube, d.secrets, cert.metadata.namespace ?? "", requestName);
  world.request = request;
  const instructions = profile.spec.authority.type === "manual" ? profile.spec.authority.manual.instructions : undefined;
  return {
    requestName,
    ask: `upload tls.csr of Secret ${requestName} to the CA and put the signed certificate into its tls.crt${instructions ? ` (${instructions})` : ""}`,
    ownership: ownershipOf(d.directory, cert, requestName, request),
    state: await judgeHandOff(request ? decodeSecretData(request) : undefined, desired),
  };
}

/** The outputs derived from the certificate and key need a rewrite (missing, unwanted, or changed by someone). */
function outputsStale(cert: Certificate, secret: SecretObject | undefined, data: Record<string, string> | undefined, record: SecretRecord | undefined): boolean {
  if (!data) return false;
  return outputsDrifted(secret, record) || !data["ca.crt"]?.trim() || outputsOutOfDate(cert.spec, data);
}

export function outputsDrifted(secret: SecretObject | undefined, record: SecretRecord | undefined): boolean {
  return record?.outputsDigest !== undefined && record.outputsDigest !== outputsDigest(secret?.data);
}

/** The Secret as the cache has it, else as the API server has it (a Secret not labelled as ours). */
export async function currentSecret(kube: KubeClient, secrets: FreshView<SecretObject>, ns: string, name: string): Promise<SecretObject | undefined> {
  return secrets.get(`${ns}/${name}`) ?? (await kube.find<SecretObject>(SECRETS, ns, name));
}

function ownershipOf(directory: CertificateDirectory, cert: Certificate, secretName: string, secret: SecretObject | undefined): Ownership {
  const ns = cert.metadata.namespace ?? "";
  return judgeOwnership({
    certificate: { name: cert.metadata.name ?? "", uid: cert.metadata.uid ?? "" },
    secretName,
    secret,
    use: directory.secretUse(ns, secretName),
    certificateByUid: (uid) => directory.certificateByUid(ns, uid),
    certificateByName: (name) => directory.certificateByName(ns, name),
  });
}

/** One key of a referenced Secret, or an OutputError naming what is missing. */
export async function readSecretKey(kube: KubeClient, cert: Certificate, ref: { name: string; key: string }, reason: string, what: string): Promise<string> {
  const s = await kube.find<SecretObject>(SECRETS, cert.metadata.namespace, ref.name);
  const value = s ? decodeSecretData(s)[ref.key] : undefined;
  if (value === undefined) throw new OutputError(reason, `Secret ${ref.name} has no key ${ref.key} (${what})`);
  return value;
}

/** A CA outage must not flip valid certificates to not-Ready: only an issuance needs the CA. */
async function prepareAuthority(connector: Connector, signal: AbortSignal): Promise<{ caPem?: string; caError?: unknown }> {
  try {
    return { caPem: (await connector.prepare({ signal })).caPem };
  } catch (e) {
    return { caError: e ?? new Error("the connector failed") };
  }
}
