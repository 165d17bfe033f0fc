// Subject alternative names against the profile's allow-lists. An unset list allows
// anything; an empty list allows nothing of that kind.
import type { ProfilePolicy } from "../api/ra-profile.ts";
import { dnsNameMatches, emailMatches, uriMatches } from "./glob.ts";
import { cidrContains } from "./ip-range.ts";
import { allowedList, type PolicyRequest, type PolicyRule, type PolicyRuleName } from "./types.ts";

interface NameCheck {
  rule: PolicyRuleName;
  /** Field name used in messages. */
  label: string;
  requested: (sans: PolicyRequest["sans"]) => readonly string[];
  allowed: (policy: ProfilePolicy) => readonly string[] | undefined;
  matches: (pattern: string, value: string) => boolean;
  failure: string;
}

function nameRule(check: NameCheck): PolicyRule {
  return (profile, req) => {
    const allowed = profile.policy === undefined ? undefined : check.allowed(profile.policy);
    if (allowed === undefined) return undefined;
    const bad = check.requested(req.sans).find((v) => !allowed.some((p) => check.matches(p, v)));
    if (bad === undefined) return undefined;
    return { rule: check.rule, message: `${check.label} "${bad}" ${check.failure} ${allowedList(allowed)}` };
  };
}

const noPattern = "does not match any allowed pattern";

export const dnsNames = nameRule({
  rule: "DNSNameNotAllowed",
  label: "dnsName",
  requested: (s) => s.dnsNames,
  allowed: (p) => p.dnsNames,
  matches: dnsNameMatches,
  failure: noPattern,
});

export const ipAddresses = nameRule({
  rule: "IPAddressNotAllowed",
  label: "ipAddress",
  requested: (s) => s.ipAddresses,
  allowed: (p) => p.ipAddresses,
  matches: cidrContains,
  failure: "is not in any allowed range",
});

export const uris = nameRule({
  rule: "URINotAllowed",
  label: "uri",
  requested: (s) => s.uris,
  allowed: (p) => p.uris,
  matches: uriMatches,
  failure: noPattern,
});

export const emailAddresses = nameRule({
  rule: "EmailNotAllowed",
  label: "emailAddress",
  requested: (s) => s.emailAddresses,
  allowed: (p) => p.emailAddresses,
  matches: emailMatches,
  failure: noPattern,
});
