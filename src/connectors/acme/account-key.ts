// The ACME account key, kept in a Secret like the local CA's key: generated (P-256) on first
// use when the Secret is missing, then reused, so the operator keeps one account per profile.
import type { KeyObject } from "node:crypto";
import { generatePrivateKey, loadPrivateKey } from "../../pki/keys.ts";
import { ConnectorError, type SecretStore } from "../connector.ts";

export interface SecretKeyRef {
  name: string;
  key: string;
}

export async function loadOrCreateAccountKey(store: SecretStore, ref: SecretKeyRef): Promise<KeyObject> {
  let data = await store.read(ref.name);
  if (!data) {
    const pem = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
    // Two workers may race here: createIfAbsent hands both the same winner.
    data = await store.createIfAbsent(ref.name, { [ref.key]: pem });
  }
  const pem = data[ref.key];
  if (!pem) throw new ConnectorError("AccountKeyInvalid", `Secret ${ref.name} has no ${ref.key}`, false);
  try {
    return loadPrivateKey(pem);
  } catch (e) {
    throw new ConnectorError("AccountKeyInvalid", `Secret ${ref.name}/${ref.key}: ${(e as Error).message}`, false);
  }
}

/** The PEM bundle to trust for the server's HTTPS, read from a Secret. */
export async function readCaBundle(store: SecretStore, ref: SecretKeyRef): Promise<string> {
  const pem = (await store.read(ref.name))?.[ref.key];
  // Retryable: the Secret may simply not have been created yet.
  if (!pem) throw new ConnectorError("CABundleNotFound", `Secret ${ref.name} has no ${ref.key} to trust the ACME server with`, true);
  return pem;
}
