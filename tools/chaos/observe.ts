// What the suite sees of one namespace while a case runs: Certificates (for the Ready count) and
// every serial that ever appeared in a certificate Secret's tls.crt (watched, so a certificate
// that was written and then replaced still counts). Informers re-list after an API outage; a
// Secret version written and replaced inside an outage can be missed, never invented.
import type { KubeClient } from "../../src/kube/client.ts";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import { Informer } from "../../src/kube/informer.ts";
import type { KubeObject, SecretObject } from "../../src/kube/objects.ts";
import { SECRETS } from "../../src/kube/resources.ts";
import { inspectCertificate, splitPemBundle } from "../../src/pki/inspect.ts";

export interface CertObject extends KubeObject {
  spec: { secretName: string; dnsNames?: string[] };
  status?: {
    conditions?: { type: string; status: string; reason?: string }[];
    serialNumber?: string;
    revision?: number;
    history?: { serialNumber: string; state: string }[];
  };
}

export const isReady = (c: CertObject): boolean => c.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True") ?? false;

export class Observer {
  readonly certs: Informer<CertObject>;
  readonly secrets: Informer<SecretObject>;
  /** Secret name -> serials seen in its tls.crt, first seen first. */
  readonly secretSerials = new Map<string, string[]>();
  private readonly namespace: string;

  constructor(client: KubeClient, namespace: string) {
    this.namespace = namespace;
    const quiet = { namespace, backoffMaxMs: 2_000, onError: () => undefined };
    this.certs = new Informer<CertObject>(client, CERTIFICATES, quiet);
    this.secrets = new Informer<SecretObject>(client, SECRETS, quiet);
    const see = (s: SecretObject) => this.seeSecret(s);
    this.secrets.addHandlers({ onAdd: see, onUpdate: (_old, s) => see(s) });
  }

  async start(): Promise<void> {
    await this.certs.start();
    await this.secrets.start();
    await Promise.all([this.certs.waitForSync(), this.secrets.waitForSync()]);
  }

  readyCount(): number {
    return this.certs.list(this.namespace).filter(isReady).length;
  }

  async stop(): Promise<void> {
    await Promise.all([this.certs.stop(), this.secrets.stop()]);
  }

  /** Records the serial in a Secret's tls.crt (the informer calls it; so does the final sweep). */
  seeSecret(s: SecretObject): void {
    const pem = s.data?.["tls.crt"];
    if (!pem || !s.metadata.name) return;
    let serial: string;
    try {
      const leaf = splitPemBundle(Buffer.from(pem, "base64").toString("utf8"))[0];
      if (!leaf) return;
      serial = inspectCertificate(leaf).serialNumber;
    } catch {
      return;
    }
    const seen = this.secretSerials.get(s.metadata.name) ?? [];
    if (!seen.includes(serial)) seen.push(serial);
    this.secretSerials.set(s.metadata.name, seen);
  }
}
