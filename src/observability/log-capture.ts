// A logger that keeps its JSON lines in memory, for tests that assert on what was logged.
import { createLogger, type Logger, type LogLevel } from "./logger.ts";

export interface CapturedLogger {
  log: Logger;
  /** Raw JSON lines as written. */
  raw: string[];
  /** Parsed lines. */
  lines: () => Record<string, unknown>[];
}

export function captureLogger(level: LogLevel = "debug"): CapturedLogger {
  const raw: string[] = [];
  const log = createLogger({ level, destination: { write: (s: string) => void raw.push(s) } });
  return { log, raw, lines: () => raw.map((s) => JSON.parse(s) as Record<string, unknown>) };
}
