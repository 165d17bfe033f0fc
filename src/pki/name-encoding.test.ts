import { describe, expect, it } from "vitest";
import { COUNTRY_CODES, ISO_3166_ALPHA2 } from "./iso-3166.ts";
import { INVALID_SAN, INVALID_SUBJECT, checkNameEncoding } from "./name-encoding.ts";
import { showValue } from "./name-syntax.ts";
import type { SanSpec, SubjectSpec } from "./subject.ts";

type Case = [name: string, subject: SubjectSpec, sans: SanSpec, rule: string | undefined, field?: string, message?: RegExp];

const sub = (s: SubjectSpec): [SubjectSpec, SanSpec] => [s, {}];
const san = (s: SanSpec): [SubjectSpec, SanSpec] => [{}, s];

describe("checkNameEncoding", () => {
  it.each<Case>([
    ["a plain subject and SANs", { commonName: "api", countries: ["BR"], organizations: ["Acme, Inc."] }, { dnsNames: ["*.Example.com"], ipAddresses: ["::1"], uris: ["spiffe://td/ns/a/sa/b"], emailAddresses: ["Ops+x@example.com"] }, undefined],
    ["non-ASCII in a UTF8String", ...sub({ commonName: "São Paulo ☃ 日本 🔒", localities: ["Zürich"] }), undefined],
    ["NUL in CN", ...sub({ commonName: "evil\u0000.example.com" }), INVALID_SUBJECT, "subject.commonName", /control character \(U\+0000\) at position 5 is not allowed in a DirectoryString/],
    ["a tab in O", ...sub({ organizations: ["ok", "a\tb"] }), INVALID_SUBJECT, "subject.organizations[1]", /U\+0009/],
    ["DEL in OU", ...sub({ organizationalUnits: ["x\u007f"] }), INVALID_SUBJECT, "subject.organizationalUnits[0]", /U\+007F/],
    ["a C1 control in L", ...sub({ localities: ["x\u0085y"] }), INVALID_SUBJECT, "subject.localities[0]", /U\+0085/],
    ["a line separator in ST", ...sub({ provinces: ["a\u2028b"] }), INVALID_SUBJECT, "subject.provinces[0]", /U\+2028/],
    ["a bidi override in CN", ...sub({ commonName: "abc\u202egpj.exe" }), INVALID_SUBJECT, "subject.commonName", /U\+202E/],
    ["a lone surrogate in CN", ...sub({ commonName: "a\ud800b" }), INVALID_SUBJECT, "subject.commonName", /lone surrogate \(U\+D800\)/],
    ["a lone low surrogate in uid", ...sub({ uid: "\udc00" }), INVALID_SUBJECT, "subject.uid", /lone surrogate/],
    ["a paired surrogate is fine", ...sub({ commonName: "\ud83d\udd12" }), undefined],
    ["an empty value", ...sub({ organizations: [""] }), INVALID_SUBJECT, "subject.organizations[0]", /must not be empty/],
    ["CN over 64 characters", ...sub({ commonName: "c".repeat(65) }), INVALID_SUBJECT, "subject.commonName", /longer than 64/],
    ["CN of 64 astral characters", ...sub({ commonName: "🔒".repeat(64) }), undefined],
    ["a lowercase country", ...sub({ countries: ["br"] }), INVALID_SUBJECT, "subject.countries[0]", /upper-case ISO 3166-1 alpha-2 .*write "BR"/],
    ["an unassigned country", ...sub({ countries: ["ZZ"] }), INVALID_SUBJECT, "subject.countries[0]", /ISO 3166-1/],
    ["UK is not ISO 3166", ...sub({ countries: ["UK"] }), INVALID_SUBJECT, "subject.countries[0]", /ISO 3166-1/],
    ["a three-letter country", ...sub({ countries: ["GBR"] }), INVALID_SUBJECT, "subject.countries[0]", /ISO 3166-1/],
    ["XX, the BR user-assigned code", ...sub({ countries: ["XX"] }), undefined],
    ["serialNumber outside PrintableString", ...sub({ serialNumber: "ação" }), INVALID_SUBJECT, "subject.serialNumber", /"ç" \(U\+00E7\) at position 2 is not allowed in a PrintableString/],
    ["serialNumber with '@'", ...sub({ serialNumber: "a@b" }), INVALID_SUBJECT, "subject.serialNumber", /PrintableString/],
    ["serialNumber printable", ...sub({ serialNumber: "IDCBR-12345678000199 (x)" }), undefined],
    ["a bare arc", ...sub({ otherAttributes: [{ oid: "2.5.4", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /registration arc/],
    ["the jurisdiction arc", ...sub({ otherAttributes: [{ oid: "1.3.6.1.4.1.311.60.2.1", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /registration arc/],
    ["an enterprise arc", ...sub({ otherAttributes: [{ oid: "1.3.6.1.4.1.99999", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /registration arc/],
    ["an attribute under an enterprise arc", ...sub({ otherAttributes: [{ oid: "1.3.6.1.4.1.99999.1", value: "v" }] }), undefined],
    ["a two-arc OID", ...sub({ otherAttributes: [{ oid: "2.5", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /well-formed/],
    ["first arc 3", ...sub({ otherAttributes: [{ oid: "3.1.2", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /well-formed/],
    ["second arc 40 under 1", ...sub({ otherAttributes: [{ oid: "1.40.1", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /well-formed/],
    ["a leading zero", ...sub({ otherAttributes: [{ oid: "2.5.4.03", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /well-formed/],
    ["a trailing dot", ...sub({ otherAttributes: [{ oid: "2.5.4.", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /well-formed/],
    ["an arc of 10 digits", ...sub({ otherAttributes: [{ oid: "1.2.1234567890", value: "v" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /well-formed/],
    ["CN through otherAttributes", ...sub({ commonName: "a", otherAttributes: [{ oid: "2.5.4.3", value: "b" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /commonName, which has its own field: set subject.commonName/],
    ["C through otherAttributes", ...sub({ otherAttributes: [{ oid: "2.5.4.6", value: "BR" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /subject.countries/],
    ["a non-string attribute", ...sub({ otherAttributes: [{ oid: "1.3.6.1.5.5.7.9.1", value: "19900101000000Z" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].oid", /GeneralizedTime/],
    ["jurisdictionC BR", ...sub({ otherAttributes: [{ oid: "1.3.6.1.4.1.311.60.2.1.3", value: "BR" }] }), undefined],
    ["jurisdictionC br", ...sub({ otherAttributes: [{ oid: "1.3.6.1.4.1.311.60.2.1.3", value: "br" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /jurisdictionCountryName, 1\.3\.6\.1\.4\.1\.311\.60\.2\.1\.3.*ISO 3166-1/],
    ["jurisdictionC Brazil", ...sub({ otherAttributes: [{ oid: "1.3.6.1.4.1.311.60.2.1.3", value: "Brazil" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /ISO 3166-1/],
    ["countryOfResidence xx", ...sub({ otherAttributes: [{ oid: "1.3.6.1.5.5.7.9.5", value: "xx" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /write "XX"/],
    ["emailAddress attribute non-ASCII", ...sub({ otherAttributes: [{ oid: "1.2.840.113549.1.9.1", value: "é@example.com" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /IA5String is ASCII only/],
    ["DC non-ASCII", ...sub({ otherAttributes: [{ oid: "0.9.2342.19200300.100.1.25", value: "bücher" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /IA5String/],
    ["DC longer than a label", ...sub({ otherAttributes: [{ oid: "0.9.2342.19200300.100.1.25", value: "d".repeat(64) }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /longer than 63/],
    ["telephoneNumber with a letter outside PrintableString", ...sub({ otherAttributes: [{ oid: "2.5.4.20", value: "+55 11 ☎" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /PrintableString/],
    ["an unknown OID, UTF-8 value", ...sub({ otherAttributes: [{ oid: "1.2.3.4", value: "ünïcödé" }] }), undefined],
    ["control in an otherAttribute", ...sub({ otherAttributes: [{ oid: "1.2.3.4", value: "a\nb" }] }), INVALID_SUBJECT, "subject.otherAttributes[0].value", /U\+000A/],
    ["an IDN DNS name", ...san({ dnsNames: ["bücher.example"] }), INVALID_SAN, "dnsNames[0]", /IA5String\) is ASCII only .*A-label "xn--bcher-kva\.example"/],
    ["an IDN wildcard", ...san({ dnsNames: ["*.münchen.de"] }), INVALID_SAN, "dnsNames[0]", /"\*\.xn--mnchen-3ya\.de"/],
    ["Cyrillic lookalike DNS", ...san({ dnsNames: ["аpple.com"] }), INVALID_SAN, "dnsNames[0]", /xn--pple-43d\.com/],
    ["NUL in a DNS name", ...san({ dnsNames: ["a\u0000.example.com"] }), INVALID_SAN, "dnsNames[0]", /control character/],
    ["DNS label over 63", ...san({ dnsNames: [`${"a".repeat(64)}.example`] }), INVALID_SAN, "dnsNames[0]", /not a DNS name/],
    ["DNS name with a space", ...san({ dnsNames: ["a b.example"] }), INVALID_SAN, "dnsNames[0]", /not a DNS name/],
    ["a non-ASCII email", ...san({ emailAddresses: ["josé@example.com"] }), INVALID_SAN, "emailAddresses[0]", /rfc822Name \(IA5String\) is ASCII only .*SmtpUTF8Mailbox/],
    ["an email at an IDN", ...san({ emailAddresses: ["ops@bücher.example"] }), INVALID_SAN, "emailAddresses[0]", /"ops@xn--bcher-kva\.example"/],
    ["an email with a NUL", ...san({ emailAddresses: ["a\u0000b@example.com"] }), INVALID_SAN, "emailAddresses[0]", /control character/],
    ["an email without a domain", ...san({ emailAddresses: ["a@"] }), INVALID_SAN, "emailAddresses[0]", /not an email address/],
    ["an email with two @", ...san({ emailAddresses: ["a@b@c"] }), INVALID_SAN, "emailAddresses[0]", /not an email address/],
    ["a non-ASCII URI", ...san({ uris: ["https://example.com/ação"] }), INVALID_SAN, "uris[0]", /percent-encode .*"https:\/\/example\.com\/a%C3%A7%C3%A3o"/],
    ["a URI with a space", ...san({ uris: ["urn:a b"] }), INVALID_SAN, "uris[0]", /not an absolute URI/],
    ["a URI with a bad %", ...san({ uris: ["urn:a%zz"] }), INVALID_SAN, "uris[0]", /not an absolute URI/],
    ["a URI with a control character", ...san({ uris: ["urn:a\u007fb"] }), INVALID_SAN, "uris[0]", /control character/],
    ["a relative URI", ...san({ uris: ["/ns/a"] }), INVALID_SAN, "uris[0]", /not an absolute URI/],
    ["a bad IP", ...san({ ipAddresses: ["10.0.0.256"] }), INVALID_SAN, "ipAddresses[0]", /not an IPv4 or IPv6 address/],
    ["an IP with a zone", ...san({ ipAddresses: ["fe80::1%eth0"] }), INVALID_SAN, "ipAddresses[0]", /not an IPv4 or IPv6/],
    ["duplicates are not refused (they collapse)", ...san({ dnsNames: ["a.example", "A.EXAMPLE"], ipAddresses: ["::1", "0::1"] }), undefined],
  ])("%s", (...[, subject, sans, rule, field, message]: Case) => {
    const r = checkNameEncoding(subject, sans);
    expect(r?.rule).toBe(rule);
    if (field !== undefined) expect(r?.field).toBe(field);
    if (message !== undefined) expect(r?.message).toMatch(message);
    if (r) expect(r.message.startsWith(r.field)).toBe(true);
  });

  it("checks the subject before the SANs and names the first bad value", () => {
    const r = checkNameEncoding({ organizations: ["ok", "b\u0000"] }, { dnsNames: ["ü.example"] });
    expect(r).toMatchObject({ rule: INVALID_SUBJECT, field: "subject.organizations[1]" });
  });

  it("escapes and truncates the value in messages", () => {
    const r = checkNameEncoding({ commonName: `"\\\u0000${"x".repeat(200)}` }, {});
    expect(r?.message).toContain('subject.commonName "\\"\\\\\\u{0}xxx');
    expect(r?.message).toContain("… (203 characters)");
    expect(r?.message).not.toContain("\u0000");
    expect(showValue("a\u202eb\ud800")).toBe('"a\\u{202e}b\\u{d800}"');
  });
});

describe("ISO 3166", () => {
  it("has the 249 assigned codes, each a region ICU knows, plus XX", () => {
    expect(ISO_3166_ALPHA2).toHaveLength(249);
    expect(new Set(ISO_3166_ALPHA2).size).toBe(249);
    const names = new Intl.DisplayNames(["en"], { type: "region" });
    for (const c of ISO_3166_ALPHA2) expect(names.of(c), c).not.toBe(c);
    expect(COUNTRY_CODES).toContain("XX");
    for (const c of ["UK", "EU", "ZZ", "XK", "br"]) expect(COUNTRY_CODES).not.toContain(c);
  });
});
