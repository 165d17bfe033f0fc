// PEM encode/decode (RFC 7468). One strict scanner, linear in the input: a single forward pass,
// no regular expressions, every character looked at a bounded number of times. Inputs larger
// than their kind's cap are refused before a single character is read, so a 10 MiB Secret or
// CA reply costs nothing. Every refusal is a PemError with a message fit for a condition.

export interface PemBlock {
  label: string;
  der: Buffer;
}

export type PemErrorCode = "TooLarge" | "TooManyBlocks" | "Malformed" | "NotPem" | "UnexpectedLabel";

/** Input that is not the PEM expected: too large, badly framed, or of another kind. */
export class PemError extends Error {
  override name = "PemError";
  readonly code: PemErrorCode;

  constructor(code: PemErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** What one kind of input may be. PEM is ASCII, so characters are bytes. */
export interface PemLimits {
  /** Names the input in messages, e.g. "certificate bundle". */
  what: string;
  /** Most characters accepted; checked before scanning. */
  maxLength: number;
  /** Most PEM blocks of any label. */
  maxBlocks: number;
  /** Largest DER one block may decode to. */
  maxDerBytes: number;
}

const KiB = 1024;

/** Largest DER object (one certificate, CSR or key) read from PEM. Real ones are 1-8 KiB. */
export const MAX_DER_BYTES = 64 * KiB;
/** Most certificates in a bundle (tls.crt, a CA reply): a leaf and its chain are 2-4. */
export const MAX_CERTIFICATES_PER_BUNDLE = 16;
/** A certificate bundle: tls.crt, ca.crt, a connector's chain. */
export const MAX_CERTIFICATE_BUNDLE_LENGTH = 256 * KiB;
/** A CSR (external or handed in): one block, a few KiB in practice. */
export const MAX_CSR_LENGTH = 64 * KiB;
/** A CRL: grows with revocations; bounded so it still fits a Secret (1 MiB of data). */
export const MAX_CRL_LENGTH = 1024 * KiB;

export const CERTIFICATE_BUNDLE_LIMITS: PemLimits = {
  what: "certificate bundle",
  maxLength: MAX_CERTIFICATE_BUNDLE_LENGTH,
  maxBlocks: MAX_CERTIFICATES_PER_BUNDLE,
  maxDerBytes: MAX_DER_BYTES,
};

export const CSR_LIMITS: PemLimits = { what: "CSR", maxLength: MAX_CSR_LENGTH, maxBlocks: 1, maxDerBytes: MAX_DER_BYTES };

export const CRL_LIMITS: PemLimits = { what: "CRL", maxLength: MAX_CRL_LENGTH, maxBlocks: 1, maxDerBytes: MAX_CRL_LENGTH };

/** Anything else (keys, single certificates): the certificate bundle's caps. */
export const DEFAULT_PEM_LIMITS: PemLimits = { ...CERTIFICATE_BUNDLE_LIMITS, what: "PEM input" };

/** Counts the scanner's character comparisons, so tests can show the work is linear. */
export interface PemMeter {
  steps: number;
}

const BEGIN = "-----BEGIN ";
const END = "-----END ";
const DASHES = "-----";
const MAX_LABEL = 64;
const DASH = 0x2d;
const EQUALS = 0x3d;
const COLON = 0x3a;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isBase64 = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
const isLabelChar = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x20;

/**
 * All PEM blocks in the text, in order. Text between blocks is ignored, as OpenSSL does; inside
 * a block only base64 and whitespace may appear, and the END line must repeat the BEGIN label.
 */
export function pemBlocks(text: string, limits: PemLimits = DEFAULT_PEM_LIMITS, meter?: PemMeter): PemBlock[] {
  if (typeof text !== "string") throw new PemError("NotPem", `${limits.what} is not text`);
  if (text.length > limits.maxLength) {
    throw new PemError("TooLarge", `${limits.what} is ${text.length} bytes, over the limit of ${limits.maxLength}`);
  }
  const scanner = new Scanner(text, limits);
  try {
    return scanner.blocks();
  } finally {
    if (meter) meter.steps += scanner.steps;
  }
}

/** The DER of the first block, which must carry one of the given labels. */
export function pemDecode(text: string, labels: readonly string[], limits: PemLimits = DEFAULT_PEM_LIMITS): PemBlock {
  const first = pemBlocks(text, limits)[0];
  if (!first) throw new PemError("NotPem", `not PEM: expected ${labels.join(" or ")}`);
  if (!labels.includes(first.label)) {
    throw new PemError("UnexpectedLabel", `unexpected PEM label "${first.label}", expected ${labels.join(" or ")}`);
  }
  return first;
}

export function pemEncode(der: Uint8Array | ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString("base64");
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** One forward pass over the text; `pos` never moves back. */
class Scanner {
  steps = 0;
  private pos = 0;
  private readonly text: string;
  private readonly limits: PemLimits;

  constructor(text: string, limits: PemLimits) {
    this.text = text;
    this.limits = limits;
  }

  blocks(): PemBlock[] {
    const out: PemBlock[] = [];
    while (this.seekBegin()) {
      if (out.length >= this.limits.maxBlocks) {
        throw new PemError("TooManyBlocks", `${this.limits.what} holds more than ${this.limits.maxBlocks} PEM blocks`);
      }
      out.push(this.block());
    }
    return out;
  }

  /**
   * Moves past the next "-----BEGIN "; false at the end of the text. A stray END is malformed.
   * A marker's five dashes always end a run of dashes, so each run is checked once, at its end.
   */
  private seekBegin(): boolean {
    const { text } = this;
    while (this.pos < text.length) {
      this.steps++;
      if (text.charCodeAt(this.pos) !== DASH) {
        this.pos++;
        continue;
      }
      let runEnd = this.pos;
      while (runEnd < text.length && text.charCodeAt(runEnd) === DASH) {
        this.steps++;
        runEnd++;
      }
      const at = runEnd - DASHES.length;
      if (at >= this.pos && this.matchesAt(at, BEGIN)) {
        this.pos = at + BEGIN.length;
        return true;
      }
      if (at >= this.pos && this.matchesAt(at, END)) throw this.malformed("an END line without a BEGIN line");
      this.pos = runEnd;
    }
    return false;
  }

  private block(): PemBlock {
    const label = this.label();
    const bodyStart = this.pos;
    const { chars, padding } = this.body(label);
    const bodyEnd = this.pos;
    this.endLine(label);
    if (chars === 0) throw this.malformed(`the ${label} block is empty`);
    if (chars % 4 !== 0) throw this.malformed(`the base64 body of the ${label} block is truncated`);
    const der = Buffer.from(this.text.slice(bodyStart, bodyEnd), "base64");
    if (der.length !== (chars / 4) * 3 - padding) throw this.malformed(`the base64 body of the ${label} block is invalid`);
    return { label, der };
  }

  /** The label after "-----BEGIN ", up to and past its closing dashes. */
  private label(): string {
    const start = this.pos;
    const { text } = this;
    while (this.pos < text.length && this.pos - start <= MAX_LABEL && isLabelChar(text.charCodeAt(this.pos))) {
      this.steps++;
      this.pos++;
    }
    const label = text.slice(start, this.pos);
    if (label.trim() === "" || label.length > MAX_LABEL || !this.matches(DASHES)) throw this.malformed("a BEGIN line with an invalid label");
    this.pos += DASHES.length;
    return label;
  }

  /** Base64 and whitespace up to the next dash; counts base64 characters and padding. */
  private body(label: string): { chars: number; padding: number } {
    const { text } = this;
    const maxChars = Math.ceil(this.limits.maxDerBytes / 3) * 4;
    let chars = 0;
    let padding = 0;
    for (; this.pos < text.length; this.pos++) {
      this.steps++;
      const c = text.charCodeAt(this.pos);
      if (c === DASH) return { chars, padding };
      if (isWhitespace(c)) continue;
      if (c === EQUALS) padding++;
      else if (!isBase64(c) || padding > 0) throw this.bodyError(label, c, padding);
      if (padding > 2) throw this.malformed(`the base64 body of the ${label} block has too much padding`);
      if (++chars > maxChars) {
        throw new PemError("TooLarge", `a ${label} block in the ${this.limits.what} is over the limit of ${this.limits.maxDerBytes} bytes`);
      }
    }
    throw this.malformed(`the ${label} block has no END line`);
  }

  private bodyError(label: string, c: number, padding: number): PemError {
    if (c === COLON) return this.malformed(`the ${label} block has headers (legacy encrypted PEM is not supported)`);
    if (padding > 0 && isBase64(c)) return this.malformed(`the base64 body of the ${label} block has data after its padding`);
    return this.malformed(`the ${label} block has a character that is not base64`);
  }

  /** "-----END <label>-----" for exactly the label that was opened. */
  private endLine(label: string): void {
    if (!this.matches(END)) throw this.malformed(`the ${label} block has a stray dash in its body`);
    this.pos += END.length;
    if (!this.matches(label) || !this.matchesAt(this.pos + label.length, DASHES)) {
      throw this.malformed(`the END line of the ${label} block does not repeat its label`);
    }
    this.pos += label.length + DASHES.length;
  }

  private matches(literal: string): boolean {
    return this.matchesAt(this.pos, literal);
  }

  private matchesAt(at: number, literal: string): boolean {
    for (let k = 0; k < literal.length; k++) {
      this.steps++;
      if (this.text.charCodeAt(at + k) !== literal.charCodeAt(k)) return false;
    }
    return true;
  }

  private malformed(what: string): PemError {
    return new PemError("Malformed", `malformed ${this.limits.what}: ${what}`);
  }
}
