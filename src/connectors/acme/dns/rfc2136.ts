// RFC 2136 dynamic updates and plain queries against one authoritative server, over TCP (no
// truncation to handle, and every authoritative server takes TCP). Updates are TSIG-signed and
// the server's signed answer is verified; each exchange is bounded in time and size.
import { randomInt } from "node:crypto";
import { Socket } from "node:net";
import { ConnectorError } from "../../connector.ts";
import { signRequest, tsigErrorName, decodeTsigRdata, verifyResponse, type TsigKey } from "./tsig.ts";
import { CLASS, MAX_MESSAGE, OPCODE, TYPE, canonicalName, decodeMessage, decodeTxt, encodeMessage, encodeTxt, rcodeName, type Message, type ResourceRecord } from "./wire.ts";

export interface Rfc2136Options {
  host: string;
  port: number;
  zone: string;
  key: TsigKey;
  now: () => Date;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function parseNameserver(spec: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec) ?? /^([^:]+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new ConnectorError("InvalidNameserver", `nameserver ${spec} is not host or host:port`, false);
  const port = m[2] ? Number(m[2]) : 53;
  if (port < 1 || port > 65535) throw new ConnectorError("InvalidNameserver", `nameserver ${spec} has no valid port`, false);
  return { host: m[1]!, port };
}

function emptyMessage(opcode: number): Message {
  return {
    id: randomInt(0, 0x10000),
    response: false,
    opcode,
    authoritative: false,
    truncated: false,
    recursionDesired: false,
    recursionAvailable: false,
    rcode: 0,
    questions: [],
    answers: [],
    authorities: [],
    additionals: [],
  };
}

export class Rfc2136Client {
  private readonly o: Required<Rfc2136Options>;

  constructor(o: Rfc2136Options) {
    this.o = { timeoutMs: DEFAULT_TIMEOUT_MS, ...o };
  }

  /** Adds one TXT record (an existing identical one is left as is, per RFC 2136 §3.4.2.2). */
  addTxt(name: string, value: string, ttl: number, signal?: AbortSignal): Promise<void> {
    return this.update({ name, type: TYPE.TXT, class: CLASS.IN, ttl, data: encodeTxt(value) }, signal);
  }

  /** Deletes exactly that TXT record (class NONE): other challenges' records stay. */
  deleteTxt(name: string, value: string, signal?: AbortSignal): Promise<void> {
    return this.update({ name, type: TYPE.TXT, class: CLASS.NONE, ttl: 0, data: encodeTxt(value) }, signal);
  }

  /** The TXT values the server holds for the name, asked without recursion. */
  async queryTxt(name: string, signal?: AbortSignal): Promise<string[]> {
    const m = emptyMessage(OPCODE.QUERY);
    m.questions.push({ name, type: TYPE.TXT, class: CLASS.IN });
    const reply = await this.exchange(encodeMessage(m), m.id, signal);
    const decoded = this.decode(reply);
    if (decoded.rcode === 3) return []; // NXDOMAIN: not there (yet)
    if (decoded.rcode !== 0) throw new ConnectorError("DNSQueryFailed", `${this.where()} answered ${rcodeName(decoded.rcode)} for ${name} TXT`, true);
    return decoded.answers.filter((r) => r.type === TYPE.TXT && canonicalName(r.name) === canonicalName(name)).map((r) => decodeTxt(r.data));
  }

  private async update(record: ResourceRecord, signal?: AbortSignal): Promise<void> {
    const m = emptyMessage(OPCODE.UPDATE);
    m.questions.push({ name: this.o.zone, type: TYPE.SOA, class: CLASS.IN });
    m.authorities.push(record);
    const signed = signRequest(encodeMessage(m), m, this.o.key, this.o.now());
    const raw = await this.exchange(signed.wire, m.id, signal);
    const decoded = this.decode(raw);
    const tsig = decoded.additionals.at(-1);
    if (decoded.rcode === 9 /* NOTAUTH */) {
      const error = tsig?.type === TYPE.TSIG ? tsigErrorName(decodeTsigRdata(tsig.data).error) : "no TSIG";
      throw new ConnectorError("DNSUpdateRefused", `${this.where()} refused the update signed with key ${this.o.key.name} (NOTAUTH, ${error})`, false);
    }
    const check = verifyResponse(raw, decoded, this.o.key, signed.mac, this.o.now());
    if (!check.ok) throw new ConnectorError("DNSUpdateUnverified", `${this.where()}: ${check.reason}`, true);
    if (decoded.rcode !== 0) {
      const retryable = decoded.rcode === 2; // SERVFAIL may pass; REFUSED, NOTZONE and the rest wait for a spec change
      throw new ConnectorError("DNSUpdateRefused", `${this.where()} refused the update of ${record.name} in zone ${this.o.zone}: ${rcodeName(decoded.rcode)}`, retryable);
    }
  }

  private decode(raw: Buffer): ReturnType<typeof decodeMessage> {
    try {
      return decodeMessage(raw);
    } catch (e) {
      throw new ConnectorError("DNSInvalidAnswer", `${this.where()}: ${(e as Error).message}`, true);
    }
  }

  private where(): string {
    return `DNS server ${this.o.host}:${this.o.port}`;
  }

  /** One request, one answer over a fresh TCP connection: 2-byte length prefix (RFC 1035 §4.2.2). */
  private exchange(request: Buffer, id: number, signal?: AbortSignal): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const socket = new Socket();
      let buffered = Buffer.alloc(0);
      const finish = (err: Error | undefined, value?: Buffer) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        socket.destroy();
        if (err) reject(err);
        else resolve(value!);
      };
      const onAbort = () => finish(new ConnectorError("Cancelled", `the exchange with ${this.where()} was cancelled`, true));
      const timer = setTimeout(() => finish(new ConnectorError("DNSTimeout", `${this.where()} did not answer within ${this.o.timeoutMs / 1000}s`, true)), this.o.timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.on("error", (e) => finish(new ConnectorError("DNSUnreachable", `cannot reach ${this.where()}: ${e.message}`, true)));
      socket.on("close", () => finish(new ConnectorError("DNSUnreachable", `${this.where()} closed the connection without an answer`, true)));
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length > MAX_MESSAGE + 2) return finish(new ConnectorError("DNSInvalidAnswer", `${this.where()} sent more than a DNS message`, true));
        if (buffered.length < 2) return;
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) return;
        const message = buffered.subarray(2, 2 + len);
        if (message.length < 12 || message.readUInt16BE(0) !== id) return finish(new ConnectorError("DNSInvalidAnswer", `${this.where()} answered another request`, true));
        finish(undefined, Buffer.from(message));
      });
      socket.connect(this.o.port, this.o.host, () => {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(request.length);
        socket.write(Buffer.concat([prefix, request]));
      });
    }).catch((e: unknown) => {
      if (e instanceof ConnectorError) throw e;
      throw new ConnectorError("DNSInvalidAnswer", `${this.where()}: ${(e as Error).message}`, true);
    });
  }
}
