// CPU and memory of one process from /proc (Linux): the operator's own, not the bench's.
import { readFile } from "node:fs/promises";

export interface ProcessSample {
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Resident set now (VmRSS) and its peak so far (VmHWM), bytes. */
  rssBytes: number;
  peakRssBytes: number;
}

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every architecture Node supports.
const TICKS_PER_SECOND = 100;

export async function sampleProcess(pid: number): Promise<ProcessSample> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, "utf8"), readFile(`/proc/${pid}/status`, "utf8")]);
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssBytes: kib("VmRSS"), peakRssBytes: kib("VmHWM") };
}

/** Samples every `everyMs` until stopped; keeps the highest RSS seen and the last sample. */
export class ProcessWatch {
  peakRssBytes = 0;
  last: ProcessSample | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pid: number;

  constructor(pid: number, everyMs = 200) {
    this.pid = pid;
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  async sample(): Promise<ProcessSample | undefined> {
    try {
      const s = await sampleProcess(this.pid);
      this.last = s;
      this.peakRssBytes = Math.max(this.peakRssBytes, s.peakRssBytes, s.rssBytes);
      return s;
    } catch {
      return undefined; // the process has exited
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
