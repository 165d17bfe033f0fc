// Character classes and shapes of the strings that go into names. Each pattern is written so
// that JavaScript and RE2 (the API server's CRD patterns and CEL) read it the same way: ASCII
// classes only, no lookaround, no Unicode-aware escapes such as \s.

/** dNSName: LDH labels (plus '_' as service labels use) of at most 63 characters, optionally "*." first. */
export const DNS_NAME_PATTERN =
  /^(\*\.)?[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*$/;

/** rfc822Name: an ASCII dot-atom local part (RFC 5322 atext), '@', a DNS name. */
export const EMAIL_PATTERN =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*$/;

/** uniformResourceIdentifier: scheme ':' and RFC 3986 characters, '%' only as a %XX escape. */
export const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:([A-Za-z0-9._~:/?#[\]@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+$/;

/** X.680 PrintableString. */
export const PRINTABLE_PATTERN = /^[A-Za-z0-9 '()+,./:=?-]+$/;

/**
 * Refused in every name string: C0 and C1 controls and DEL (Unicode Cc), the line and paragraph
 * separators, and the bidirectional embedding, override and isolate controls, which make a name
 * display as something else.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const FORBIDDEN_CHARACTER = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** FORBIDDEN_CHARACTER in RE2 syntax, for CEL `matches`. */
export const FORBIDDEN_CHARACTER_RE2 = String.raw`[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}\x{202a}-\x{202e}\x{2066}-\x{2069}]`;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Printable ASCII and space: what an IA5String may carry here. */
const NOT_VISIBLE_ASCII = /[^\x20-\x7e]/;
const NOT_PRINTABLE = /[^A-Za-z0-9 '()+,./:=?-]/;

export interface BadCharacter {
  /** The character, as a string (a lone surrogate stays one UTF-16 unit). */
  char: string;
  codePoint: number;
  /** 1-based position in code points. */
  position: number;
}

function locate(value: string, re: RegExp): BadCharacter | undefined {
  const m = re.exec(value);
  if (m === null) return undefined;
  const char = m[0];
  return { char, codePoint: char.codePointAt(0)!, position: [...value.slice(0, m.index)].length + 1 };
}

export const loneSurrogate = (v: string): BadCharacter | undefined => locate(v, LONE_SURROGATE);
export const forbiddenCharacter = (v: string): BadCharacter | undefined => locate(v, FORBIDDEN_CHARACTER);
export const nonAscii = (v: string): BadCharacter | undefined => locate(v, NOT_VISIBLE_ASCII);
export const nonPrintable = (v: string): BadCharacter | undefined => locate(v, NOT_PRINTABLE);

/** Length in characters (code points), as RFC 5280 upper bounds and the API server count. */
export function charLength(v: string): number {
  return [...v].length;
}

export function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

// eslint-disable-next-line no-control-regex -- escaping control characters is the point
const SHOW_ESCAPE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const SHOW_MAX = 80;

/**
 * A value quoted for a condition message: invisible and unsafe characters as \u{...}, quotes
 * and backslashes escaped, at most 80 characters.
 */
export function showValue(value: string): string {
  const chars = [...value];
  const cut = chars.length > SHOW_MAX ? chars.slice(0, SHOW_MAX).join("") : value;
  const escaped = cut.replace(SHOW_ESCAPE, (c) => (c === '"' || c === "\\" ? `\\${c}` : `\\u{${c.charCodeAt(0).toString(16)}}`));
  return `"${escaped}"${chars.length > SHOW_MAX ? `… (${chars.length} characters)` : ""}`;
}

/** A character for a message: its code point, and the character itself when it is visible. */
export function showCharacter(b: BadCharacter): string {
  const visible = !FORBIDDEN_CHARACTER.test(b.char) && !LONE_SURROGATE.test(b.char) && b.char.trim() !== "";
  return `${visible ? `"${b.char}" ` : ""}(${codePointLabel(b.codePoint)}) at position ${b.position}`;
}
