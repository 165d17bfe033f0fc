// Connector persistence on Secrets in one namespace. Values are plain strings to the caller;
// base64 stays down here.
import { StoreConflict, type SecretStore } from "../connectors/connector.ts";
import type { KubeClient } from "./client.ts";
import { isAlreadyExists, isConflict } from "./errors.ts";
import type { KubeObject, SecretObject } from "./objects.ts";
import { CONFIG_MAPS, SECRETS } from "./resources.ts";

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";

export function decodeSecretData(s: SecretObject | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(s?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
}

export function encodeSecretData(data: Record<string, string | Buffer>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")]));
}

export class KubeSecretStore implements SecretStore {
  private readonly client: KubeClient;
  private readonly namespace: string;
  constructor(client: KubeClient, namespace: string) {
    this.client = client;
    this.namespace = namespace;
  }

  async read(name: string): Promise<Record<string, string> | undefined> {
    const s = await this.client.find<SecretObject>(SECRETS, this.namespace, name);
    return s ? decodeSecretData(s) : undefined;
  }

  async readConfigMap(name: string): Promise<Record<string, string> | undefined> {
    const cm = await this.client.find<KubeObject & { data?: Record<string, string> }>(CONFIG_MAPS, this.namespace, name);
    return cm ? { ...(cm.data ?? {}) } : undefined;
  }

  async readVersioned(name: string): Promise<{ data: Record<string, string>; version: string } | undefined> {
    const s = await this.client.find<SecretObject>(SECRETS, this.namespace, name);
    return s ? { data: decodeSecretData(s), version: s.metadata.resourceVersion ?? "" } : undefined;
  }

  async createIfAbsent(name: string, data: Record<string, string>): Promise<Record<string, string>> {
    try {
      await this.client.create<SecretObject>(SECRETS, {
        metadata: { name, namespace: this.namespace, labels: { [MANAGED_BY_LABEL]: "certwright" } },
        type: "Opaque",
        data: encodeSecretData(data),
      });
      return data;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      return (await this.read(name)) ?? data;
    }
  }

  async update(name: string, data: Record<string, string>, version: string): Promise<void> {
    try {
      await this.client.patch<SecretObject>(SECRETS, this.namespace, name, { metadata: { resourceVersion: version }, data: encodeSecretData(data) });
    } catch (e) {
      if (isConflict(e)) throw new StoreConflict(name);
      throw e;
    }
  }
}
