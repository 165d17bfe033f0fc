import { describe, expect, it } from "vitest";
import { captureLogger } from "../observability/log-capture.ts";
import { FakeClock } from "./clock.ts";
import { COMBINED_PREFIX, EventRecorder, MAX_MESSAGE_LENGTH, redact, type ObjectReference, type RecordedEvent } from "./events.ts";

const cert: ObjectReference = { apiVersion: "certwright.dev/v1alpha1", kind: "Certificate", namespace: "ns", name: "web", uid: "u1" };
// Not a key: a truncated PEM shape, assembled so no key-like literal sits in the repo.
const PEM = `-----BEGIN ${"PRIVATE"} KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----`;

function setup(writer?: (e: RecordedEvent) => Promise<void>) {
  const clock = new FakeClock(new Date("2030-01-01T00:00:00Z"));
  const logs = captureLogger();
  const written: RecordedEvent[] = [];
  const recorder = new EventRecorder({
    clock,
    log: logs.log,
    writer: writer ?? ((e) => Promise.resolve(void written.push(e))),
  });
  return { clock, logs, written, recorder };
}

describe("EventRecorder", () => {
  it("aggregates the same event within 10 minutes into one event with a count", async () => {
    const t = setup();
    const issued = { type: "Normal" as const, reason: "Issued", message: "Certificate issued" };
    t.recorder.emit(cert, issued);
    await t.recorder.flush();
    t.clock.advance(5 * 60_000);
    t.recorder.emit(cert, issued);
    await t.recorder.flush();
    expect(t.written.map((e) => [e.name, e.count])).toEqual([
      [t.written[0]!.name, 1],
      [t.written[0]!.name, 2],
    ]);
    expect(t.written[1]!.firstTimestamp.toISOString()).toBe("2030-01-01T00:00:00.000Z");
    expect(t.written[1]!.lastTimestamp.toISOString()).toBe("2030-01-01T00:05:00.000Z");
    expect(t.written[0]!.involvedObject).toEqual(cert);
  });

  it("starts a new event after the window, or for a different reason/message/object", async () => {
    const t = setup();
    t.recorder.emit(cert, { type: "Normal", reason: "Issued", message: "a" });
    t.recorder.emit(cert, { type: "Normal", reason: "Issued", message: "b" });
    t.recorder.emit(cert, { type: "Warning", reason: "Failed", message: "a" });
    t.recorder.emit({ ...cert, name: "api" }, { type: "Normal", reason: "Issued", message: "a" });
    t.clock.advance(10 * 60_000 + 1);
    t.recorder.emit(cert, { type: "Normal", reason: "Issued", message: "a" });
    await t.recorder.flush();
    expect(t.written.map((e) => e.count)).toEqual([1, 1, 1, 1, 1]);
    expect(new Set(t.written.map((e) => e.name)).size).toBe(5);
  });

  it("writes one aggregated event at a time and coalesces counts meanwhile", async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const t = setup(async (e) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(e.count);
      inFlight--;
    });
    for (let i = 0; i < 5; i++) t.recorder.emit(cert, { type: "Warning", reason: "Failed", message: "CA down" });
    await t.recorder.flush();
    expect(maxInFlight).toBe(1);
    expect(seen).toEqual([1, 5]);
  });

  it("never throws into the caller when the writer fails", async () => {
    const t = setup(() => Promise.reject(new Error("apiserver unavailable")));
    expect(() => t.recorder.emit(cert, { type: "Normal", reason: "Issued", message: "ok" })).not.toThrow();
    await t.recorder.flush();
    expect(t.logs.lines().find((l) => l.level === "warn")).toMatchObject({
      msg: "Could not write event",
      error: "apiserver unavailable",
    });
  });

  it("redacts private key material before it reaches the writer", async () => {
    const t = setup();
    t.recorder.emit(cert, { type: "Warning", reason: "Failed", message: `bad key:\n${PEM}` });
    await t.recorder.flush();
    expect(t.written[0]!.message).toBe("[redacted]");
  });
});

describe("EventRecorder: similar events", () => {
  const failed = (i: number) => ({ type: "Warning" as const, reason: "IssuanceFailed", message: `CA down (attempt ${i})` });
  /** The last write of each event object, by name, in order of first write. */
  const latest = (written: RecordedEvent[]) => [...new Map(written.map((e) => [e.name, e])).values()];

  it("keeps 9 differing messages of one object+type+reason apart, then combines the rest into one event with a count", async () => {
    const t = setup();
    for (let i = 1; i <= 15; i++) {
      t.recorder.emit(cert, failed(i));
      await t.recorder.flush();
      t.clock.advance(30_000);
    }
    const events = latest(t.written);
    expect(events).toHaveLength(10);
    expect(events.slice(0, 9).map((e) => [e.message, e.count])).toEqual(Array.from({ length: 9 }, (_, i) => [`CA down (attempt ${i + 1})`, 1]));
    const combined = events[9]!;
    expect(combined).toMatchObject({ type: "Warning", reason: "IssuanceFailed", count: 6, message: `${COMBINED_PREFIX}CA down (attempt 10)` });
    expect(combined.firstTimestamp.toISOString()).toBe("2030-01-01T00:04:30.000Z");
    expect(combined.lastTimestamp.toISOString()).toBe("2030-01-01T00:07:00.000Z");
  });

  it("a message seen before the threshold keeps counting on its own event", async () => {
    const t = setup();
    for (let i = 1; i <= 12; i++) t.recorder.emit(cert, failed(i));
    t.recorder.emit(cert, failed(3));
    await t.recorder.flush();
    const events = latest(t.written);
    expect(events).toHaveLength(10);
    expect(events.find((e) => e.message === "CA down (attempt 3)")!.count).toBe(2);
    expect(events.at(-1)!.count).toBe(3);
  });

  it("counts similar events per object, type and reason, and starts afresh after a quiet window", async () => {
    const t = setup();
    for (let i = 1; i <= 10; i++) {
      t.recorder.emit(cert, failed(i));
      t.recorder.emit({ ...cert, name: "api" }, failed(i));
      t.recorder.emit(cert, { ...failed(i), reason: "RevocationFailed" });
    }
    await t.recorder.flush();
    expect(latest(t.written).filter((e) => e.message.startsWith(COMBINED_PREFIX))).toHaveLength(3);
    t.clock.advance(10 * 60_000 + 1);
    t.recorder.emit(cert, failed(99));
    await t.recorder.flush();
    expect(t.written.at(-1)).toMatchObject({ message: "CA down (attempt 99)", count: 1 });
  });

  it("an outage of 30 certificates with a new message every attempt makes at most 10 events each", async () => {
    const t = setup();
    const certs = Array.from({ length: 30 }, (_, i) => ({ ...cert, name: `c${i}`, uid: `u${i}` }));
    for (let attempt = 1; attempt <= 40; attempt++) {
      for (const c of certs) t.recorder.emit(c, failed(attempt));
      t.clock.advance(5_000);
    }
    await t.recorder.flush();
    const events = latest(t.written);
    expect(events).toHaveLength(300);
    expect(events.filter((e) => e.message.startsWith(COMBINED_PREFIX)).every((e) => e.count === 31)).toBe(true);
  });
});

describe("redact", () => {
  it("refuses messages containing a private key and truncates long ones", () => {
    expect(redact(`-----BEGIN EC ${"PRIVATE"} KEY-----`)).toBe("[redacted]");
    expect(redact("Issued certificate 01:ab")).toBe("Issued certificate 01:ab");
    expect(redact("x".repeat(5000))).toHaveLength(MAX_MESSAGE_LENGTH);
  });
});
