// The local CA's CRL state (revoked serials, last CRL number) in a Secret certwright creates and
// owns, `<caSecretName>-crl-state`. The CA Secret itself is never written: the user may have
// supplied it. State that older versions kept in the CA Secret is read once, then lives here.
import { createHash } from "node:crypto";
import type { RevocationReason } from "../../pki/crl.ts";
import { ConnectorError, StoreConflict, type SecretStore } from "../connector.ts";

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

/** Read-modify-write rounds before giving up: each lost round means another writer made progress. */
const MAX_ROUNDS = 8;

export class CrlStateStore {
  private readonly store: SecretStore;
  private readonly caSecretName: string;
  readonly name: string;

  constructor(store: SecretStore, caSecretName: string) {
    this.store = store;
    this.caSecretName = caSecretName;
    this.name = stateSecretName(caSecretName);
  }

  async read(): Promise<CrlState> {
    return (await this.readVersioned()).state;
  }

  /**
   * Applies `change` to the stored state and returns what was written (or the unchanged state when
   * `change` returns undefined). Optimistic: several writers share this Secret (profiles on one CA,
   * an old and a new leader), so a lost race reads again and re-applies instead of overwriting.
   */
  async modify(change: (state: CrlState) => CrlState | undefined): Promise<CrlState> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const { state, version } = await this.readVersioned();
      const next = change(state);
      if (!next) return state;
      if (await this.tryWrite(next, version)) return next;
    }
    throw new ConnectorError("CRLStateConflict", `Secret ${this.name} kept changing under ${MAX_ROUNDS} attempts to update it; retrying`, true);
  }

  /** `version` undefined: the state exists only in the legacy CA Secret keys (or nowhere) yet. */
  private async readVersioned(): Promise<{ state: CrlState; version: string | undefined }> {
    const own = await this.store.readVersioned(this.name);
    if (own) return { state: parseState(own.data), version: own.version };
    // Migration: CA Secrets from before kept crl-number and revoked.json beside the key.
    const legacy = await this.store.read(this.caSecretName);
    return { state: parseState(legacy ?? {}), version: undefined };
  }

  private async tryWrite(state: CrlState, version: string | undefined): Promise<boolean> {
    const data = { "crl-number": String(state.crlNumber), "revoked.json": JSON.stringify(state.revoked) };
    if (version === undefined) {
      const got = await this.store.createIfAbsent(this.name, data);
      return got["crl-number"] === data["crl-number"] && got["revoked.json"] === data["revoked.json"];
    }
    try {
      await this.store.update(this.name, data, version);
      return true;
    } catch (e) {
      if (e instanceof StoreConflict) return false;
      throw e;
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
