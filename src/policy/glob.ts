// Glob patterns for the name policies.
//
// DNS names (case-insensitive): a pattern matches a name with the same number of labels.
// A label "*" matches exactly one whole label, including a requested wildcard "*". Inside
// a longer label, "*" matches any run of characters and "?" one character, never a dot
// and never a literal "*": "api-?.example.com" admits "api-1.example.com", and
// "*.example.com" admits "a.example.com" and "*.example.com" but not "a.b.example.com".
//
// Other values: "*" matches any run of characters except the separator ("/" for URIs,
// "@" for email addresses), "?" one such character.

function escape(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, "\\$&");
}

function compile(pattern: string, exclude: string, flags: string): RegExp {
  const cls = `[^${escape(exclude)}]`;
  const body = [...pattern].map((c) => (c === "*" ? `${cls}*` : c === "?" ? cls : escape(c))).join("");
  return new RegExp(`^${body}$`, flags);
}

function labelMatches(pattern: string, label: string): boolean {
  if (pattern === "*") return label !== "";
  return compile(pattern, ".*", "").test(label);
}

export function dnsNameMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase().split(".");
  const n = name.toLowerCase().split(".");
  return p.length === n.length && p.every((label, i) => labelMatches(label, n[i]!));
}

export function uriMatches(pattern: string, uri: string): boolean {
  return compile(pattern, "/", "").test(uri);
}

export function emailMatches(pattern: string, email: string): boolean {
  return compile(pattern, "@", "i").test(email);
}
