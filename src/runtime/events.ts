// Kubernetes Events with client-go's event correlator, simplified:
// - the same object+type+reason+message within the window bumps the count of one event;
// - "similar" events (same object+type+reason, differing messages): once the threshold of
//   distinct messages is reached within the window, every further new message goes into one
//   combined event ("(combined from similar events): ...") whose count grows instead.
// Emitting never throws into callers; failed writes are logged and dropped.
import type { Logger } from "../observability/logger.ts";
import type { EventInput, ObjectReference, RecordedEvent } from "../kube/event-writer.ts";
import type { Clock } from "./clock.ts";

export type { EventInput, ObjectReference, RecordedEvent } from "../kube/event-writer.ts";

export interface EventSink {
  emit(ref: ObjectReference, e: EventInput): void;
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
  /**
   * Distinct messages for one object+type+reason within the window from which on they are
   * combined into one event (default 10, client-go's maxEvents).
   */
  similarThreshold?: number;
}

/** What a combined event's message starts with (client-go's wording). */
export const COMBINED_PREFIX = "(combined from similar events): ";

/** Kubernetes' events.k8s.io limit for the note field. */
export const MAX_MESSAGE_LENGTH = 1024;

/** Refuses to publish anything that looks like key material; truncates over-long messages. */
export function redact(message: string): string {
  if (message.includes("PRIVATE KEY")) return "[redacted]";
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 3)}...` : message;
}

/** Object, type and reason: what similar events share. */
function aggregateKey(ref: ObjectReference, e: EventInput): string {
  const parts = [ref.apiVersion, ref.kind, ref.namespace ?? "", ref.name, ref.uid ?? "", e.type, e.reason];
  return parts.join("\u0000");
}

/** Distinct messages seen for one aggregate key, and when the last similar event came. */
interface SimilarRecord {
  messages: Set<string>;
  lastTimestamp: number;
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
  private readonly similarThreshold: number;
  /** Insertion order doubles as LRU order (entries are re-inserted on use). */
  private readonly entries = new Map<string, Entry>();
  private readonly similar = new Map<string, SimilarRecord>();
  private readonly inFlight = new Set<Promise<void>>();
  private seq = 0;

  constructor(opts: EventRecorderOptions) {
    this.writer = opts.writer;
    this.clock = opts.clock;
    this.log = opts.log;
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.maxEntries = opts.maxEntries ?? 4096;
    this.similarThreshold = opts.similarThreshold ?? 10;
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

  private record(ref: ObjectReference, input: EventInput): void {
    const now = this.clock.now();
    const aggregate = aggregateKey(ref, input);
    const combined = this.isCombined(aggregate, input.message, now.getTime());
    const e = combined ? { ...input, message: redact(COMBINED_PREFIX + input.message) } : input;
    const key = combined ? `${aggregate}\u0000combined` : `${aggregate}\u0000${input.message}`;
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

  /**
   * Whether this message goes into the combined event: the first threshold-1 distinct messages
   * within the window keep their own events (and counts); every later new one is combined.
   * The message set is bounded by the threshold, the records by maxEntries.
   */
  private isCombined(aggregate: string, message: string, now: number): boolean {
    let rec = this.similar.get(aggregate);
    if (!rec || now - rec.lastTimestamp > this.windowMs) rec = { messages: new Set(), lastTimestamp: now };
    rec.lastTimestamp = now;
    this.similar.delete(aggregate);
    this.similar.set(aggregate, rec);
    for (const key of this.similar.keys()) {
      if (this.similar.size <= this.maxEntries) break;
      this.similar.delete(key);
    }
    if (rec.messages.has(message)) return false;
    if (rec.messages.size < this.similarThreshold - 1) {
      rec.messages.add(message);
      return false;
    }
    return true;
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
