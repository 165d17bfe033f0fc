// Writes recorded events as events.k8s.io/v1 Events: create on the first count, patch the
// series afterwards (falling back to create when the first write was lost).
import type { KubeClient } from "./client.ts";
import { isNotFound } from "./errors.ts";
import type { KubeObject } from "./objects.ts";
import { EVENTS } from "./resources.ts";

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export type EventType = "Normal" | "Warning";

export interface EventInput {
  type: EventType;
  /** CamelCase, e.g. "Issued". */
  reason: string;
  message: string;
}

/** What the kube layer writes: create when count is 1, otherwise update the event called `name`. */
export interface RecordedEvent extends EventInput {
  /** Event object name, stable for all counts of one aggregated event. */
  name: string;
  involvedObject: ObjectReference;
  count: number;
  firstTimestamp: Date;
  lastTimestamp: Date;
}


const REPORTER = "certwright";

export function kubeEventWriter(client: KubeClient, instance: string): (e: RecordedEvent) => Promise<void> {
  return async (e) => {
    const namespace = e.involvedObject.namespace ?? "default";
    const micro = (d: Date) => d.toISOString().replace("Z", "000Z"); // MicroTime wants microseconds
    const body = {
      metadata: { name: e.name, namespace },
      eventTime: micro(e.firstTimestamp),
      reportingController: `certwright.dev/${REPORTER}`,
      reportingInstance: instance,
      action: e.reason,
      reason: e.reason,
      type: e.type,
      note: e.message,
      regarding: e.involvedObject,
      series: e.count > 1 ? { count: e.count, lastObservedTime: micro(e.lastTimestamp) } : undefined,
    };
    if (e.count > 1) {
      try {
        await client.patch(EVENTS, namespace, e.name, { series: body.series });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    await client.create<KubeObject>(EVENTS, body);
  };
}
