// The local CA's CRL state (revoked serials, last CRL number) in a Secret certwright creates and
// owns, `<caSecretName>-crl-state`. The CA Secret itself is never written: the user may have
// supplied it. State that older versions kept in the CA Secret is read once, then lives here.
import { createHash } from "node:crypto";
import type { RevocationReason } from "../../pki/crl.ts";
import { ConnectorError, type SecretStore } from "../connector.ts";

export interface RevokedEntry {
  serialNumber: string;
  revokedAt: string;
  reason: RevocationReason;
}

export interface CrlState {
  revoked: RevokedEntry[];
  /** The number of the last CRL signed (0: none yet). */
  crlNumber: number;
}

const SUFFIX = "-crl-state";
const MAX_NAME = 253;

/** `<caSecretName>-crl-state`, hashed down when that would exceed the 253-character name limit. */
export function stateSecretName(caSecretName: string): string {
  const name = `${caSecretName}${SUFFIX}`;
  if (name.length <= MAX_NAME) return name;
  const hash = createHash("sha256").update(caSecretName).digest("hex").slice(0, 10);
  return `${caSecretName.slice(0, MAX_NAME - SUFFIX.length - hash.length - 1).replace(/[.-]+$/, "")}-${hash}${SUFFIX}`;
}

export class CrlStateStore {
  private readonly store: SecretStore;
  private readonly caSecretName: string;
  readonly name: string;

  constructor(store: SecretStore, caSecretName: string) {
    this.store = store;
    this.caSecretName = caSecretName;
    this.name = stateSecretName(caSecretName);
  }

  /** The stored state; `stored` is false while it exists only in the legacy CA Secret keys (or nowhere). */
  async read(): Promise<{ state: CrlState; stored: boolean }> {
    const own = await this.store.read(this.name);
    if (own) return { state: parseState(own), stored: true };
    // Migration: CA Secrets from before kept crl-number and revoked.json beside the key.
    const legacy = await this.store.read(this.caSecretName);
    return { state: parseState(legacy ?? {}), stored: false };
  }

  async write(state: CrlState, stored: boolean): Promise<void> {
    const data = { "crl-number": String(state.crlNumber), "revoked.json": JSON.stringify(state.revoked) };
    if (stored) return this.store.update(this.name, data);
    const got = await this.store.createIfAbsent(this.name, data);
    if (got["crl-number"] !== data["crl-number"] || got["revoked.json"] !== data["revoked.json"]) {
      throw new ConnectorError("CRLStateConflict", `Secret ${this.name} was created concurrently; retrying`, true);
    }
  }
}

function parseState(data: Record<string, string>): CrlState {
  const n = Number(data["crl-number"] ?? "0");
  return { revoked: parseRevoked(data["revoked.json"]), crlNumber: Number.isSafeInteger(n) && n >= 0 ? n : 0 };
}

function parseRevoked(json: string | undefined): RevokedEntry[] {
  if (!json) return [];
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as RevokedEntry[]) : [];
  } catch {
    return [];
  }
}
