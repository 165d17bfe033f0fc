// The DNS message format (RFC 1035 §4, RFC 2136 §2 for UPDATE) as far as dns-01 needs it:
// encode and decode messages with their four sections, names (compression pointers read, never
// written), TXT data. Decoding is defensive: the input comes off the network, so every length
// is checked against the buffer, pointers must point backwards, and sizes are capped.
export const TYPE = { A: 1, SOA: 6, TXT: 16, TSIG: 250, ANY: 255 } as const;
export const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
export const OPCODE = { QUERY: 0, UPDATE: 5 } as const;
export const RCODE_NAMES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"];

/** A DNS message never exceeds 65535 bytes (TCP's length prefix). */
export const MAX_MESSAGE = 65_535;
/** Records per section we accept; dns-01 needs a handful. */
export const MAX_RECORDS = 512;
const MAX_NAME = 255;
const MAX_LABEL = 63;

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: Buffer;
}

export interface Message {
  id: number;
  /** Response (QR), opcode, AA, TC, RD, RA, RCODE: the header's flag word, split. */
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  rcode: number;
  /** UPDATE: the zone section. */
  questions: Question[];
  /** UPDATE: prerequisites. */
  answers: ResourceRecord[];
  /** UPDATE: the updates. */
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
}

export class DnsFormatError extends Error {
  constructor(message: string) {
    super(`malformed DNS message: ${message}`);
    this.name = "DnsFormatError";
  }
}

/** Lower-case, no trailing dot: the form names are compared in. */
export function canonicalName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

export function encodeName(name: string): Buffer {
  const trimmed = name.replace(/\.$/, "");
  const labels = trimmed === "" ? [] : trimmed.split(".");
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, "ascii");
    if (bytes.length === 0 || bytes.length > MAX_LABEL) throw new DnsFormatError(`label of ${bytes.length} bytes in ${name}`);
    if (!/^[\x21-\x7e]+$/.test(label)) throw new DnsFormatError(`label with non-printable characters in ${JSON.stringify(name)}`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > MAX_NAME) throw new DnsFormatError(`name of ${out.length} bytes`);
  return out;
}

/** Reads a (possibly compressed) name at `offset`; returns it and the offset after it. */
export function decodeName(buf: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  let length = 0;
  // Each pointer must go strictly backwards, so following them always ends.
  let limit = offset;
  for (;;) {
    if (pos >= buf.length) throw new DnsFormatError("name runs past the end");
    const len = buf[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new DnsFormatError("truncated compression pointer");
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= limit) throw new DnsFormatError("compression pointer does not point backwards");
      if (next < 0) next = pos + 2;
      limit = target;
      pos = target;
      continue;
    }
    if (len & 0xc0) throw new DnsFormatError(`unknown label type 0x${len.toString(16)}`);
    if (pos + 1 + len > buf.length) throw new DnsFormatError("label runs past the end");
    length += len + 1;
    if (length + 1 > MAX_NAME) throw new DnsFormatError("name longer than 255 bytes");
    const label = buf.subarray(pos + 1, pos + 1 + len);
    if (label.some((b) => b < 0x21 || b > 0x7e)) throw new DnsFormatError("label with non-printable characters");
    labels.push(label.toString("ascii"));
    pos += 1 + len;
  }
  return { name: labels.join("."), next };
}

/** TXT RDATA: one or more <character-string>s of at most 255 bytes each (RFC 1035 §3.3.14). */
export function encodeTxt(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || parts.length === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

/** The strings of a TXT RDATA, joined as one value (what dns-01 compares). */
export function decodeTxt(data: Buffer): string {
  const parts: Buffer[] = [];
  for (let pos = 0; pos < data.length; ) {
    const len = data[pos]!;
    if (pos + 1 + len > data.length) throw new DnsFormatError("TXT string runs past its record");
    parts.push(data.subarray(pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return Buffer.concat(parts).toString("utf8");
}

function encodeRecord(r: ResourceRecord): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(r.type, 0);
  fixed.writeUInt16BE(r.class, 2);
  fixed.writeUInt32BE(r.ttl >>> 0, 4);
  fixed.writeUInt16BE(r.data.length, 8);
  return Buffer.concat([encodeName(r.name), fixed, r.data]);
}

export function encodeMessage(m: Message): Buffer {
  for (const section of [m.questions, m.answers, m.authorities, m.additionals]) {
    if (section.length > MAX_RECORDS) throw new DnsFormatError(`${section.length} records in one section`);
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(m.id, 0);
  const flags =
    (m.response ? 0x8000 : 0) |
    ((m.opcode & 0xf) << 11) |
    (m.authoritative ? 0x0400 : 0) |
    (m.truncated ? 0x0200 : 0) |
    (m.recursionDesired ? 0x0100 : 0) |
    (m.recursionAvailable ? 0x0080 : 0) |
    (m.rcode & 0xf);
  header.writeUInt16BE(flags, 2);
  header.writeUInt16BE(m.questions.length, 4);
  header.writeUInt16BE(m.answers.length, 6);
  header.writeUInt16BE(m.authorities.length, 8);
  header.writeUInt16BE(m.additionals.length, 10);
  const body: Buffer[] = [header];
  for (const q of m.questions) {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(q.class, 2);
    body.push(encodeName(q.name), tail);
  }
  for (const r of [...m.answers, ...m.authorities, ...m.additionals]) body.push(encodeRecord(r));
  const out = Buffer.concat(body);
  if (out.length > MAX_MESSAGE) throw new DnsFormatError(`message of ${out.length} bytes`);
  return out;
}

/** Also returns where the additional section's last record starts (TSIG is verified over what precedes it). */
export function decodeMessage(buf: Buffer): Message & { lastRecordOffset: number } {
  if (buf.length > MAX_MESSAGE) throw new DnsFormatError(`message of ${buf.length} bytes`);
  if (buf.length < 12) throw new DnsFormatError("shorter than its header");
  const flags = buf.readUInt16BE(2);
  const counts = [4, 6, 8, 10].map((o) => buf.readUInt16BE(o));
  if (counts.some((c) => c > MAX_RECORDS)) throw new DnsFormatError("too many records");
  let pos = 12;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const { name, next } = decodeName(buf, pos);
    if (next + 4 > buf.length) throw new DnsFormatError("question runs past the end");
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    pos = next + 4;
  }
  let lastRecordOffset = pos;
  const section = (count: number): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      lastRecordOffset = pos;
      const { name, next } = decodeName(buf, pos);
      if (next + 10 > buf.length) throw new DnsFormatError("record runs past the end");
      const rdlength = buf.readUInt16BE(next + 8);
      if (next + 10 + rdlength > buf.length) throw new DnsFormatError("record data runs past the end");
      out.push({
        name,
        type: buf.readUInt16BE(next),
        class: buf.readUInt16BE(next + 2),
        ttl: buf.readUInt32BE(next + 4),
        data: Buffer.from(buf.subarray(next + 10, next + 10 + rdlength)),
      });
      pos = next + 10 + rdlength;
    }
    return out;
  };
  const answers = section(counts[1]!);
  const authorities = section(counts[2]!);
  const additionals = section(counts[3]!);
  if (pos !== buf.length) throw new DnsFormatError(`${buf.length - pos} bytes after the last record`);
  return {
    id: buf.readUInt16BE(0),
    response: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    authoritative: (flags & 0x0400) !== 0,
    truncated: (flags & 0x0200) !== 0,
    recursionDesired: (flags & 0x0100) !== 0,
    recursionAvailable: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
    questions,
    answers,
    authorities,
    additionals,
    lastRecordOffset,
  };
}

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}
