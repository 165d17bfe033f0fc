// When each Certificate was first seen Ready for its current generation, from a watch (not
// polling: a list of 10,000 Certificates every second would load the API server more than the
// operator does).
import { performance } from "node:perf_hooks";
import { CERTIFICATES } from "../../src/kube/certwright-resources.ts";
import type { KubeClient } from "../../src/kube/client.ts";
import { Informer } from "../../src/kube/informer.ts";
import type { KubeObject } from "../../src/kube/objects.ts";

interface Cert extends KubeObject {
  status?: { revision?: number; conditions?: { type: string; status: string; observedGeneration?: number }[] };
}

export class ReadinessWatch {
  /** name -> performance.now() when first seen Ready. */
  readonly readyAt = new Map<string, number>();
  private readonly informer: Informer<Cert>;
  private waiters: (() => void)[] = [];

  constructor(client: KubeClient, namespace: string) {
    this.informer = new Informer<Cert>(client, CERTIFICATES, { namespace });
    const seen = (c: Cert) => {
      const name = c.metadata.name ?? "";
      if (this.readyAt.has(name) || !isReady(c)) return;
      this.readyAt.set(name, performance.now());
      for (const w of this.waiters) w();
    };
    this.informer.addHandlers({ onAdd: seen, onUpdate: (_, c) => seen(c) });
  }

  async start(): Promise<void> {
    await this.informer.start();
    await this.informer.waitForSync();
  }

  /** Resolves once `count` Certificates have been Ready, or after timeoutMs (false). */
  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.readyAt.size < count) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
      this.waiters = [];
    }
    return true;
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }
}

function isReady(c: Cert): boolean {
  const ready = c.status?.conditions?.find((x) => x.type === "Ready");
  return (c.status?.revision ?? 0) >= 1 && ready?.status === "True" && (ready.observedGeneration ?? 0) >= (c.metadata.generation ?? 0);
}
