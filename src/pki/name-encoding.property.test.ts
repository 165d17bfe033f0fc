// Property: for every subject and SAN value the Certificate schema admits, either
// checkNameEncoding refuses it with a message that names it, or the certificate our local CA
// signs carries exactly that value, in the attribute's ASN.1 string type, as OpenSSL decodes it
// (in process through node:crypto for every certificate, and with the openssl CLI for a sample).
//
// One fast-check run is one Certificate spec holding many values (every subject field, other
// attributes, all SAN kinds), so that each signature checks a dozen values: >= 10,000 values per
// run of the suite. Set NAMES_FC_SEED to replay a run; the seed is printed.
import { randomInt, X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { certificateSpecSchema } from "../api/certificate.ts";
import { subjectSchema } from "../api/x509.ts";
import { ATTRIBUTE_TYPES, REGISTRATION_ARCS } from "./attribute-types.ts";
import { createCertificateAuthority, signCertificate } from "./ca.ts";
import { canonicalIp } from "./canonical-ip.ts";
import { loadIssuer, type LoadedIssuer } from "./issuer.ts";
import { certificateSubjectTyped } from "./dn.ts";
import { issuedDifferences } from "./issued-differences.ts";
import { generatePrivateKey } from "./keys.ts";
import { INVALID_SAN, INVALID_SUBJECT, checkNameEncoding } from "./name-encoding.ts";
import { showValue } from "./name-syntax.ts";
import type { SanSpec, SubjectSpec } from "./subject.ts";
import { orderedAttributes } from "./subject.ts";
import { pemDecode } from "./pem.ts";
import { run } from "./testing/openssl.ts";

const RUNS = 1000;
const MIN_VALUES = 10_000;
const CLI_SAMPLE = 150;
const SEED = process.env.NAMES_FC_SEED ? Number(process.env.NAMES_FC_SEED) : randomInt(2 ** 31);

// OpenSSL's short names (what `-nameopt sname` and X509Certificate.toLegacyObject print).
const OPENSSL_NAMES: Record<string, string> = {
  "2.5.4.6": "C", "2.5.4.8": "ST", "2.5.4.7": "L", "2.5.4.9": "street", "2.5.4.17": "postalCode", "2.5.4.10": "O",
  "2.5.4.11": "OU", "2.5.4.3": "CN", "2.5.4.5": "serialNumber", "2.5.4.97": "organizationIdentifier",
  "0.9.2342.19200300.100.1.1": "UID", "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC", "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
  "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionL", "2.5.4.15": "businessCategory", "2.5.4.4": "SN", "2.5.4.42": "GN",
  "2.5.4.43": "initials", "2.5.4.44": "generationQualifier", "2.5.4.12": "title", "2.5.4.41": "name", "2.5.4.65": "pseudonym",
  "2.5.4.46": "dnQualifier", "2.5.4.20": "telephoneNumber", "1.2.840.113549.1.9.1": "emailAddress",
  "0.9.2342.19200300.100.1.25": "DC", "1.3.6.1.5.5.7.9.2": "id-pda-placeOfBirth", "1.3.6.1.5.5.7.9.4": "id-pda-countryOfCitizenship",
  "1.3.6.1.5.5.7.9.5": "id-pda-countryOfResidence",
};
// The string types OpenSSL's own table (a_strnid.c) and X.520 give them, written out here rather
// than taken from attribute-types.ts, so a wrong table entry fails this test.
const PRINTABLE_NAMES = new Set(["C", "serialNumber", "jurisdictionC", "dnQualifier", "telephoneNumber", "id-pda-countryOfCitizenship", "id-pda-countryOfResidence"]);
const IA5_NAMES = new Set(["emailAddress", "DC"]);
const cliType = (name: string) => (PRINTABLE_NAMES.has(name) ? "PRINTABLESTRING" : IA5_NAMES.has(name) ? "IA5STRING" : "UTF8STRING");

/** What each SAN list should hold, worked out here (not with canonicalSans): first spelling of each name. */
function expectedSans(s: SanSpec): Required<SanSpec> {
  const firsts = (xs: string[] | undefined, key: (v: string) => string, show: (v: string) => string = (v) => v) => {
    const seen = new Set<string>();
    return (xs ?? []).filter((v) => !seen.has(key(v)) && seen.add(key(v))).map(show);
  };
  const emailKey = (v: string) => v.slice(0, v.lastIndexOf("@")) + v.slice(v.lastIndexOf("@")).toLowerCase();
  return {
    dnsNames: firsts(s.dnsNames, (v) => v.toLowerCase()),
    ipAddresses: firsts(s.ipAddresses, canonicalIp, canonicalIp),
    uris: firsts(s.uris, (v) => v),
    emailAddresses: firsts(s.emailAddresses, emailKey),
  };
}

// ---- generators: hostile characters mixed into near-valid shapes ----

const HOSTILE = [
  "\u0000", "\t", "\n", "\r", "\u001b", "\u007f", "\u0085", "\u009f", "\u2028", "\u2029", "\u202e", "\u2066",
  "\ud800", "\udfff", "\u200d", "\ufeff", "\uffff", "\u00a0", "é", "ü", "ß", "ç", "日本", "а", "🔒", "ﬁ",
  ",", "+", '"', "\\", "=", "#", ";", "<", ">", " ", "*", "@", ".", "-", "_", "%", ":", "/", "?", "'", "(", "`", "[", "~",
];
const hostile = fc.constantFrom(...HOSTILE);
const word = fc.stringMatching(/^[A-Za-z0-9]{1,8}$/);
const anyString = fc.string({ unit: "binary", minLength: 1, maxLength: 12 });
/** Mostly words, sometimes a hostile character or an arbitrary code point string. */
const piece = fc.oneof({ weight: 6, arbitrary: word }, { weight: 3, arbitrary: hostile }, { weight: 1, arbitrary: anyString });
const text = fc.array(piece, { minLength: 1, maxLength: 5 }).map((p) => p.join(""));

const label = fc.oneof({ weight: 8, arbitrary: fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/) }, { weight: 2, arbitrary: text });
const dnsName = fc
  .tuple(fc.boolean(), fc.array(label, { minLength: 1, maxLength: 4 }))
  .map(([wild, labels]) => `${wild ? "*." : ""}${labels.join(".")}`);
const email = fc.tuple(fc.oneof(word, text), dnsName).map(([l, d]) => `${l}@${d}`);
const uri = fc
  .tuple(fc.constantFrom("https", "spiffe", "urn", "ldap", "x-y"), fc.array(fc.oneof({ weight: 5, arbitrary: word }, { weight: 2, arbitrary: hostile }, { weight: 1, arbitrary: anyString }), { minLength: 1, maxLength: 6 }))
  .map(([s, p]) => (s === "urn" ? `urn:${p.join(":")}` : `${s}://${p.join("/")}`));
const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom("10.0.0.256", "::ffff:10.0.0.1", "fe80::1%eth0", "1.2.3", "2001:DB8::1"));
const country = fc.oneof(fc.constantFrom("BR", "GB", "US", "XX", "br", "Gb", "UK", "ZZ", "EU", "GBR", "B", ""), fc.string({ unit: "binary", minLength: 2, maxLength: 2 }));
const knownOid = fc.constantFrom(...ATTRIBUTE_TYPES.map((a) => a.oid), ...REGISTRATION_ARCS.slice(0, 5), "1.3.6.1.4.1.99999", "1.3.6.1.5.5.7.9.1");
const randomOid = fc.oneof(
  fc.array(fc.nat({ max: 2_000_000_000 }), { minLength: 1, maxLength: 6 }).map((arcs) => `${arcs[0]! % 4}.${arcs.slice(1).join(".")}`),
  fc.constantFrom("1.2.3.4", "2.25.1234", "1.3.6.1.4.1.99999.7", "2.5.4.", "2.5.4.03", "1.40.1"),
);
const otherAttribute = fc.record({
  oid: fc.oneof({ weight: 3, arbitrary: knownOid }, { weight: 1, arbitrary: randomOid }),
  value: fc.oneof({ weight: 2, arbitrary: text }, { weight: 2, arbitrary: country }, { weight: 1, arbitrary: email }),
});
const list = <T>(a: fc.Arbitrary<T>, max: number) => fc.array(a, { maxLength: max });

const specArb = fc.record({
  subject: fc.record({
    commonName: fc.oneof(text, dnsName),
    countries: list(country, 2),
    organizations: list(text, 3),
    organizationalUnits: list(text, 3),
    localities: list(text, 2),
    provinces: list(text, 2),
    streetAddresses: list(text, 2),
    postalCodes: list(text, 2),
    serialNumber: text,
    organizationIdentifier: text,
    uid: text,
    otherAttributes: list(otherAttribute, 4),
  }),
  sans: fc.record({ dnsNames: list(dnsName, 4), ipAddresses: list(ip, 3), uris: list(uri, 3), emailAddresses: list(email, 3) }),
});

// ---- admission: keep only what the schema admits ----

const subjectAdmits = (patch: object) => subjectSchema.safeParse(patch).success;
const sanAdmits = (kind: keyof SanSpec, v: string) => certificateSpecSchema.shape[kind].safeParse([v]).success;

type Generated = typeof specArb extends fc.Arbitrary<infer T> ? T : never;

function admitted(g: Generated): { subject: SubjectSpec; sans: SanSpec } {
  const s: SubjectSpec = {};
  for (const f of ["commonName", "serialNumber", "organizationIdentifier", "uid"] as const) if (subjectAdmits({ [f]: g.subject[f] })) s[f] = g.subject[f];
  for (const f of ["countries", "organizations", "organizationalUnits", "localities", "provinces", "streetAddresses", "postalCodes"] as const) {
    s[f] = g.subject[f].filter((v) => subjectAdmits({ [f]: [v] }));
  }
  s.otherAttributes = g.subject.otherAttributes.filter((o) => subjectAdmits({ otherAttributes: [o] }));
  const sans: SanSpec = {};
  for (const k of ["dnsNames", "ipAddresses", "uris", "emailAddresses"] as const) sans[k] = g.sans[k].filter((v) => sanAdmits(k, v));
  return { subject: s, sans };
}

function countValues(subject: SubjectSpec, sans: SanSpec): number {
  return orderedAttributes(subject).length + Object.values(sans).flat().length;
}

/** Removes the value at a refusal's field ("subject.organizations[1]", "dnsNames[0]", "subject.otherAttributes[2].oid"). */
function drop(subject: SubjectSpec, sans: SanSpec, field: string): string {
  const m = /^(?:subject\.)?(\w+)(?:\[(\d+)\])?/.exec(field)!;
  const [, name, index] = m;
  const holder = (field.startsWith("subject.") ? subject : sans) as Record<string, unknown>;
  const v = holder[name!];
  if (index === undefined) {
    delete holder[name!];
    return v as string;
  }
  const arr = v as unknown[];
  const [removed] = arr.splice(Number(index), 1);
  return typeof removed === "string" ? removed : field.endsWith(".oid") ? (removed as { oid: string }).oid : (removed as { value: string }).value;
}

// ---- OpenSSL's view of a certificate ----

function legacyValues(o: Record<string, unknown>, key: string): string[] {
  const v = o[key];
  return v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string];
}

function parseNodeSans(text: string | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = { DNS: [], "IP Address": [], URI: [], email: [] };
  for (const m of (text ?? "").matchAll(/(DNS|IP Address|URI|email):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    out[m[1]!]!.push(m[2]!.startsWith('"') ? (JSON.parse(m[2]!) as string) : m[2]!);
  }
  return out;
}

function expectedByName(subject: SubjectSpec): Map<string, { values: string[] }> {
  const m = new Map<string, { values: string[] }>();
  for (const a of orderedAttributes(subject)) {
    const key = OPENSSL_NAMES[a.oid] ?? a.oid;
    const e = m.get(key) ?? { values: [] };
    e.values.push(a.value);
    m.set(key, e);
  }
  return m;
}

function expectOpenSslSees(pem: string, subject: SubjectSpec, sans: SanSpec): void {
  const legacy = new X509Certificate(pem).toLegacyObject() as unknown as { subject: Record<string, unknown>; subjectaltname?: string };
  const want = expectedByName(subject);
  // String types, attribute by attribute in order, against the independent list above.
  const written = certificateSubjectTyped(pemDecode(pem, ["CERTIFICATE"]).der).flat();
  const nameOf = (oid: string) => OPENSSL_NAMES[oid] ?? oid;
  expect(written.map((a) => `${nameOf(a.oid)}|${a.stringType.toUpperCase()}`)).toEqual(
    orderedAttributes(subject).map((a) => `${nameOf(a.oid)}|${cliType(nameOf(a.oid))}`),
  );
  expect(Object.keys(legacy.subject).sort()).toEqual([...want.keys()].sort());
  for (const [key, { values }] of want) expect(legacyValues(legacy.subject, key), key).toEqual(values);
  const got = parseNodeSans(legacy.subjectaltname);
  const c = expectedSans(sans);
  expect(got.DNS).toEqual(c.dnsNames);
  expect(got.URI).toEqual(c.uris);
  expect(got.email).toEqual(c.emailAddresses);
  expect(got["IP Address"]!.map(canonicalIp)).toEqual(c.ipAddresses);
}

// ---- the property ----

const notBefore = new Date("2026-01-01T00:00:00Z");
const notAfter = new Date("2026-04-01T00:00:00Z");

describe("names: what the schema admits is refused with a message or issued exactly", () => {
  let ca: LoadedIssuer;
  let key: string;
  beforeAll(async () => {
    ca = await loadIssuer(await createCertificateAuthority({ commonName: "Property CA", now: notBefore, keySpec: { algorithm: "Ed25519" } }));
    key = await generatePrivateKey({ algorithm: "Ed25519" });
  });

  it(`holds for >= ${MIN_VALUES} admitted values (fast-check, ${RUNS} specs)`, { timeout: 900_000 }, async () => {
    console.log(`name-encoding property: seed ${SEED} (replay with NAMES_FC_SEED=${SEED})`);
    const stats = { admitted: 0, refusedAtApply: 0, refused: 0, issued: 0, certificates: 0 };
    const sample: { pem: string; subject: SubjectSpec; sans: SanSpec }[] = [];
    await fc.assert(
      fc.asyncProperty(specArb, async (g) => {
        const { subject, sans } = admitted(g);
        const generated = Object.values(g.subject).flat().length + Object.values(g.sans).flat().length;
        const judged = countValues(subject, sans);
        stats.admitted += judged;
        stats.refusedAtApply += Math.max(0, generated - judged);
        for (let r = checkNameEncoding(subject, sans); r; r = checkNameEncoding(subject, sans)) {
          expect([INVALID_SUBJECT, INVALID_SAN]).toContain(r.rule);
          expect(r.message.startsWith(`${r.field}`)).toBe(true);
          const value = drop(subject, sans, r.field);
          expect(r.message).toContain(showValue(value));
          stats.refused += 1;
        }
        const issued = countValues(subject, sans);
        if (issued === 0) return;
        const pem = await signCertificate({ issuer: ca, publicKeyPem: key, subject, sans, keyUsages: ["digitalSignature"], extKeyUsages: [], notBefore, notAfter });
        expect(issuedDifferences({ subject, sans, notBefore, notAfter }, pem, "exact")).toEqual([]);
        expectOpenSslSees(pem, subject, sans);
        stats.issued += issued;
        stats.certificates += 1;
        if (sample.length < CLI_SAMPLE) sample.push({ pem, subject: structuredClone(subject), sans: structuredClone(sans) });
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`name-encoding property: ${JSON.stringify(stats)}`);
    expect(stats.admitted).toBeGreaterThanOrEqual(MIN_VALUES);
    // Both outcomes must be common, or the generators (or the rules) have gone wrong.
    expect(stats.issued).toBeGreaterThan(stats.admitted * 0.4);
    expect(stats.refused).toBeGreaterThan(stats.admitted * 0.01);
    await expectOpensslCliAgrees(sample);
  });
});

/** The openssl CLI, a few invocations for the whole sample: types and values of the subject, the SANs. */
async function expectOpensslCliAgrees(sample: { pem: string; subject: SubjectSpec; sans: SanSpec }[]): Promise<void> {
  expect(sample.length).toBe(CLI_SAMPLE);
  const dir = await mkdtemp(join(tmpdir(), "certwright-names-"));
  try {
    const files = await Promise.all(sample.map(async (s, i) => {
      const f = join(dir, `${i}.pem`);
      await writeFile(f, s.pem);
      return f;
    }));
    // -ext exits 1 when the certificate has no SAN extension; the subject was printed by then.
    const script = 'for f in "$@"; do echo "@@@"; openssl x509 -in "$f" -noout -subject -nameopt sep_multiline,utf8,sname,space_eq,show_type -ext subjectAltName || true; done';
    const res = await run("sh", ["-c", script, "sh", ...files]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/unable to load|error/i);
    const blocks = res.stdout.split("@@@\n").slice(1);
    expect(blocks).toHaveLength(sample.length);
    blocks.forEach((block, i) => {
      const { subject, sans } = sample[i]!;
      const lines = block.split("\n");
      const attrs = lines.filter((l) => /^ {4}\S+ = [A-Z0-9]+:/.test(l)).map((l) => /^ {4}(\S+) = ([A-Z0-9]+):(.*)$/.exec(l)!);
      const want = [...expectedByName(subject)].flatMap(([k, e]) => e.values.map((v) => `${k}|${cliType(k)}|${v}`)).sort();
      expect(attrs.map((m) => `${m[1]}|${m[2]}|${m[3]}`).sort(), block).toEqual(want);
      const at = lines.indexOf("X509v3 Subject Alternative Name: ");
      const sanLine = at < 0 ? "" : (lines[at + 1]?.trim() ?? "");
      const c = expectedSans(sans);
      const got = sanLine === "" ? [] : sanLine.split(", ");
      const expected = [
        ...c.dnsNames.map((v) => `DNS:${v}`),
        ...c.ipAddresses.map((v) => `IP:${v}`),
        ...c.uris.map((v) => `URI:${v}`),
        ...c.emailAddresses.map((v) => `email:${v}`),
      ];
      const normal = got.map((g) => (g.startsWith("IP Address:") ? `IP:${canonicalIp(g.slice("IP Address:".length))}` : g));
      expect(normal.sort(), block).toEqual(expected.sort());
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
