// pino JSON logger. Key material is kept out by construction: known secret fields are redacted
// by path, and any string that looks like PEM ("-----BEGIN") is replaced wherever it appears.
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface LoggerOptions {
  level?: LogLevel;
  /** Component name, logged as `logger` (pino's own `name` key would clash with the object name). */
  name?: string;
  /** Where to write (default stdout); tests pass a stream. */
  destination?: DestinationStream;
}

export const REDACTED = "[redacted]";

const SECRET_FIELDS = ["privateKey", "password", "token", "data", '["tls.key"]', "tls.key"];

export const REDACT_PATHS: string[] = SECRET_FIELDS.flatMap((f) => {
  const nested = f.startsWith("[") ? `*${f}` : `*.${f}`;
  return [f, nested];
});

const MAX_DEPTH = 8;

/** Deep copy with PEM-looking strings replaced and binary buffers summarised. */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return value.includes("-----BEGIN") ? REDACTED : value;
  if (value === null || typeof value !== "object") return value;
  if (seen.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[too deep]";
  seen.add(value);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof Error) return scrubError(value, depth, seen);
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrub(v, depth + 1, seen);
  return out;
}

function scrubError(err: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  // A plain object: pino's err serializer passes it through as is.
  const out: Record<string, unknown> = { type: err.name, message: scrub(err.message) };
  if (err.stack) out.stack = scrub(err.stack);
  if (err.cause !== undefined) out.cause = scrub(err.cause, depth + 1, seen);
  return out;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? "info",
    base: opts.name ? { logger: opts.name } : {},
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    formatters: {
      level: (label) => ({ level: label }),
    },
    hooks: {
      logMethod(args, method) {
        const clean = args.map((a) => scrub(a)) as Parameters<typeof method>;
        method.apply(this, clean);
      },
    },
  };
  const logger = opts.destination ? pino(options, opts.destination) : pino(options);
  scrubBindings(logger);
  return logger;
}

// pino applies formatters.bindings to the root only, so scrub child bindings here. Children are
// created with Object.create(parent), so they inherit these overrides.
function scrubBindings(logger: Logger): void {
  // Called below with the child's own `this`, so unbound is what we want.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { child, setBindings } = logger;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, scrub(bindings) as pino.Bindings, childOptions);
  } as Logger["child"];
  logger.setBindings = function (this: Logger, bindings) {
    setBindings.call(this, scrub(bindings) as pino.Bindings);
  };
}
