// dns-01 (RFC 8555 §8.4) through RFC 2136: the TXT record _acme-challenge.<name> holding
// base64url(SHA-256(key authorization)) is added with a TSIG-signed update, present() returns
// once the authoritative server answers it, and cleanup() deletes exactly that record.
import { createHash } from "node:crypto";
import { ConnectorError } from "../../connector.ts";
import type { Challenge, ChallengeSolver } from "../challenge-solver.ts";
import type { Rfc2136Client } from "./rfc2136.ts";
import { canonicalName } from "./wire.ts";

export interface Dns01Options {
  client: Rfc2136Client;
  zone: string;
  ttl: number;
  propagationTimeoutMs: number;
  pollIntervalMs?: number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function dns01RecordName(identifier: string): string {
  return `_acme-challenge.${identifier.replace(/^\*\./, "")}`;
}

export function dns01Value(keyAuthorization: string): string {
  return createHash("sha256").update(keyAuthorization).digest("base64url");
}

export class Dns01Solver implements ChallengeSolver {
  readonly type = "dns-01";
  private readonly o: Dns01Options;

  constructor(o: Dns01Options) {
    this.o = o;
  }

  async present(c: Challenge): Promise<void> {
    const name = this.recordName(c);
    const value = dns01Value(c.keyAuthorization);
    await this.o.client.addTxt(name, value, this.o.ttl, c.signal);
    const interval = this.o.pollIntervalMs ?? 2000;
    const attempts = Math.max(1, Math.ceil(this.o.propagationTimeoutMs / interval));
    for (let i = 0; i < attempts; i++) {
      if ((await this.o.client.queryTxt(name, c.signal)).includes(value)) return;
      await this.o.sleep(interval, c.signal);
    }
    throw new ConnectorError("DNSPropagationTimeout", `${name} TXT was not served by the authoritative server within ${this.o.propagationTimeoutMs / 1000}s`, true);
  }

  async cleanup(c: Challenge): Promise<void> {
    await this.o.client.deleteTxt(this.recordName(c), dns01Value(c.keyAuthorization));
  }

  private recordName(c: Challenge): string {
    const name = dns01RecordName(c.identifier.value);
    const zone = canonicalName(this.o.zone);
    const n = canonicalName(name);
    if (n !== zone && !n.endsWith(`.${zone}`)) {
      throw new ConnectorError("DNSZoneMismatch", `${c.identifier.value} is not in the dns01 zone ${this.o.zone}`, false);
    }
    return name;
  }
}
