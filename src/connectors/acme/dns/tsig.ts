// TSIG (RFC 8945) with HMAC-SHA256: signs a request and checks the server's signed answer, so
// dynamic updates are accepted only from holders of the shared key and answers are not forged.
import { createHmac, timingSafeEqual } from "node:crypto";
import { CLASS, DnsFormatError, TYPE, canonicalName, decodeName, encodeName, type Message, type ResourceRecord } from "./wire.ts";

export const HMAC_SHA256 = "hmac-sha256";
const FUDGE_SECONDS = 300;

export interface TsigKey {
  name: string;
  /** The raw secret (BIND key files hold it base64). */
  secret: Buffer;
}

interface TsigRdata {
  algorithm: string;
  timeSigned: number;
  fudge: number;
  mac: Buffer;
  originalId: number;
  error: number;
  other: Buffer;
}

function u48(seconds: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUIntBE(seconds, 0, 6);
  return b;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

/** The TSIG variables of §4.3.3 that follow the message in the MAC input. */
function variables(key: TsigKey, t: Pick<TsigRdata, "algorithm" | "timeSigned" | "fudge" | "error" | "other">): Buffer {
  const ttlClass = Buffer.alloc(6);
  ttlClass.writeUInt16BE(CLASS.ANY, 0);
  ttlClass.writeUInt32BE(0, 2);
  return Buffer.concat([
    encodeName(canonicalName(key.name)),
    ttlClass,
    encodeName(canonicalName(t.algorithm)),
    u48(t.timeSigned),
    u16(t.fudge),
    u16(t.error),
    u16(t.other.length),
    t.other,
  ]);
}

function encodeRdata(t: TsigRdata): Buffer {
  return Buffer.concat([encodeName(t.algorithm), u48(t.timeSigned), u16(t.fudge), u16(t.mac.length), t.mac, u16(t.originalId), u16(t.error), u16(t.other.length), t.other]);
}

export function decodeTsigRdata(data: Buffer): TsigRdata {
  const { name, next } = decodeName(data, 0);
  let pos = next;
  const need = (n: number) => {
    if (pos + n > data.length) throw new DnsFormatError("TSIG record runs past its end");
  };
  need(10);
  const timeSigned = data.readUIntBE(pos, 6);
  const fudge = data.readUInt16BE(pos + 6);
  const macSize = data.readUInt16BE(pos + 8);
  pos += 10;
  need(macSize + 6);
  const mac = Buffer.from(data.subarray(pos, pos + macSize));
  pos += macSize;
  const originalId = data.readUInt16BE(pos);
  const error = data.readUInt16BE(pos + 2);
  const otherLen = data.readUInt16BE(pos + 4);
  pos += 6;
  need(otherLen);
  const other = Buffer.from(data.subarray(pos, pos + otherLen));
  if (pos + otherLen !== data.length) throw new DnsFormatError("bytes after the TSIG record");
  return { algorithm: name, timeSigned, fudge, mac, originalId, error, other };
}

/** Adds the TSIG record to an encoded request; returns the signed request and its MAC (to verify the answer with). */
export function signRequest(encoded: Buffer, message: Message, key: TsigKey, now: Date): { wire: Buffer; mac: Buffer; record: ResourceRecord } {
  const t = { algorithm: HMAC_SHA256, timeSigned: Math.floor(now.getTime() / 1000), fudge: FUDGE_SECONDS, error: 0, other: Buffer.alloc(0) };
  const mac = createHmac("sha256", key.secret).update(encoded).update(variables(key, t)).digest();
  const record: ResourceRecord = { name: key.name, type: TYPE.TSIG, class: CLASS.ANY, ttl: 0, data: encodeRdata({ ...t, mac, originalId: message.id }) };
  // The record goes last in the additional section: bump ARCOUNT and append it.
  const wire = Buffer.concat([encoded, Buffer.alloc(0)]);
  wire.writeUInt16BE(wire.readUInt16BE(10) + 1, 10);
  const recordWire = Buffer.concat([encodeName(record.name), Buffer.from([0, TYPE.TSIG, 0, CLASS.ANY, 0, 0, 0, 0]), u16(record.data.length), record.data]);
  return { wire: Buffer.concat([wire, recordWire]), mac, record };
}

export type TsigCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks the TSIG of a response (§5.3): present, last, our key and algorithm, MAC over the
 * request MAC + the response without its TSIG, and a time within the fudge.
 */
export function verifyResponse(
  raw: Buffer,
  decoded: Message & { lastRecordOffset: number },
  key: TsigKey,
  requestMac: Buffer,
  now: Date,
): TsigCheck {
  const last = decoded.additionals.at(-1);
  if (!last || last.type !== TYPE.TSIG) return { ok: false, reason: "the answer is not signed" };
  if (canonicalName(last.name) !== canonicalName(key.name)) return { ok: false, reason: `the answer is signed with key ${last.name}` };
  const t = decodeTsigRdata(last.data);
  if (canonicalName(t.algorithm) !== HMAC_SHA256) return { ok: false, reason: `the answer is signed with ${t.algorithm}` };
  if (t.error !== 0) return { ok: false, reason: `the server refused our signature (TSIG error ${tsigErrorName(t.error)})` };
  const unsigned = Buffer.from(raw.subarray(0, decoded.lastRecordOffset));
  unsigned.writeUInt16BE(t.originalId, 0);
  unsigned.writeUInt16BE(unsigned.readUInt16BE(10) - 1, 10);
  const expected = createHmac("sha256", key.secret).update(u16(requestMac.length)).update(requestMac).update(unsigned).update(variables(key, t)).digest();
  if (t.mac.length !== expected.length || !timingSafeEqual(t.mac, expected)) return { ok: false, reason: "the answer's TSIG MAC does not verify" };
  if (Math.abs(Math.floor(now.getTime() / 1000) - t.timeSigned) > t.fudge) return { ok: false, reason: "the answer's TSIG time is outside the fudge" };
  return { ok: true };
}

export function tsigErrorName(code: number): string {
  return { 16: "BADSIG", 17: "BADKEY", 18: "BADTIME", 22: "BADTRUNC" }[code] ?? String(code);
}
