// Connector persistence on Secrets in one namespace. Values are plain strings to the caller;
// base64 stays down here.
import type { SecretStore } from "../connectors/connector.ts";
import type { KubeClient } from "./client.ts";
import { isAlreadyExists } from "./errors.ts";
import type { SecretObject } from "./objects.ts";
import { SECRETS } from "./resources.ts";

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
  private readonly versions = new Map<string, string | undefined>();

  constructor(client: KubeClient, namespace: string) {
    this.client = client;
    this.namespace = namespace;
  }

  async read(name: string): Promise<Record<string, string> | undefined> {
    const s = await this.client.find<SecretObject>(SECRETS, this.namespace, name);
    this.versions.set(name, s?.metadata.resourceVersion);
    return s ? decodeSecretData(s) : undefined;
  }

  async createIfAbsent(name: string, data: Record<string, string>): Promise<Record<string, string>> {
    try {
      const s = await this.client.create<SecretObject>(SECRETS, {
        metadata: { name, namespace: this.namespace, labels: { [MANAGED_BY_LABEL]: "certwright" } },
        type: "Opaque",
        data: encodeSecretData(data),
      });
      this.versions.set(name, s.metadata.resourceVersion);
      return data;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      return (await this.read(name)) ?? data;
    }
  }

  async update(name: string, data: Record<string, string>): Promise<void> {
    const s = await this.client.patch<SecretObject>(SECRETS, this.namespace, name, {
      metadata: { resourceVersion: this.versions.get(name) },
      data: encodeSecretData(data),
    });
    this.versions.set(name, s.metadata.resourceVersion);
  }
}
