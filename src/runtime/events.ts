// Kubernetes Events with a simplified event correlator: the same object+type+reason+message
// within the window bumps the count of one event instead of creating another.
// Emitting never throws into callers; failed writes are logged and dropped.
import type { Logger } from "../observability/logger.ts";
import type { Clock } from "./clock.ts";

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

export interface EventSink {
  emit(ref: ObjectReference, e: EventInput): void;
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

export type EventWriter = (event: RecordedEvent) => Promise<void>;

export interface EventRecorderOptions {
  writer: EventWriter;
  clock: Clock;
  log: Logger;
  /** Aggregation window (default 10 min). */
  windowMs?: number;
  /** Most aggregated events remembered at once (default 4096, like client-go's LRU). */
  maxEntries?: number;
}

/** Kubernetes' events.k8s.io limit for the note field. */
export const MAX_MESSAGE_LENGTH = 1024;

/** Refuses to publish anything that looks like key material; truncates over-long messages. */
export function redact(message: string): string {
  if (message.includes("PRIVATE KEY")) return "[redacted]";
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : message;
}

function correlationKey(ref: ObjectReference, e: EventInput): string {
  const parts = [ref.apiVersion, ref.kind, ref.namespace ?? "", ref.name, ref.uid ?? "", e.type, e.reason, e.message];
  return parts.join("\u0000");
}

interface Entry {
  event: RecordedEvent;
  writing: boolean;
  /** Count changed while a write was in flight: write again after it. */
  stale: boolean;
}

export class EventRecorder implements EventSink {
  private readonly writer: EventWriter;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly windowMs: number;
  private readonly maxEntries: number;
  /** Insertion order doubles as LRU order (entries are re-inserted on use). */
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;

  constructor(opts: EventRecorderOptions) {
    this.writer = opts.writer;
    this.clock = opts.clock;
    this.log = opts.log;
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.maxEntries = opts.maxEntries ?? 4096;
  }

  emit(ref: ObjectReference, e: EventInput): void {
    try {
      this.record(ref, { type: e.type, reason: e.reason, message: redact(e.message) });
    } catch (err) {
      this.log.warn({ error: err instanceof Error ? err.message : String(err) }, "Could not record event");
    }
  }

  /** Waits for queued writes (tests and shutdown). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private record(ref: ObjectReference, e: EventInput): void {
    const now = this.clock.now();
    const key = correlationKey(ref, e);
    let entry = this.entries.get(key);
    // Past the window a new Event object starts; in-flight writes of the old one carry on.
    if (entry && now.getTime() - entry.event.lastTimestamp.getTime() > this.windowMs) entry = undefined;
    if (entry) {
      entry.event = { ...entry.event, count: entry.event.count + 1, lastTimestamp: now };
      this.entries.delete(key);
    } else {
      entry = { event: this.newEvent(ref, e, now), writing: false, stale: false };
    }
    this.entries.set(key, entry);
    this.evict();
    this.write(entry);
  }

  private newEvent(ref: ObjectReference, e: EventInput, now: Date): RecordedEvent {
    // Like client-go: object name plus a hex time stamp (with a counter so names never collide).
    const suffix = (now.getTime() * 1000 + (this.seq++ % 1000)).toString(16);
    return {
      ...e,
      name: `${ref.name}.${suffix}`,
      involvedObject: { ...ref },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    };
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries) return;
      if (!entry.writing) this.entries.delete(key);
    }
  }

  // One write at a time per aggregated event, so an update never overtakes its create.
  private write(entry: Entry): void {
    if (entry.writing) {
      entry.stale = true;
      return;
    }
    entry.writing = true;
    const p = this.drain(entry).finally(() => {
      entry.writing = false;
      this.inFlight.delete(p);
    });
    this.inFlight.add(p);
  }

  private async drain(entry: Entry): Promise<void> {
    do {
      entry.stale = false;
      const event = entry.event;
      try {
        await this.writer(event);
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        this.log.warn({ error, reason: event.reason, object: event.involvedObject.name }, "Could not write event");
      }
    } while (entry.stale);
  }
}
