// Test support: run the real openssl (and keytool) CLI against what src/pki produces.
// Only the *.test.ts files import this.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; never throws on a non-zero exit, the caller asserts on code. */
/**
 * Runs a command to completion. The timeout only stops a hung tool: it is long because a loaded
 * CI machine can make a batch of 150 openssl calls take over a minute. A kill says so in stderr.
 */
export function run(cmd: string, args: string[], timeoutMs = 300_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      const killed = err && err.killed ? `\n${cmd} killed after ${timeoutMs} ms (signal ${String(err.signal)})` : "";
      resolve({ code, stdout, stderr: stderr + killed });
    });
  });
}

export function openssl(...args: string[]): Promise<CliResult> {
  return run("openssl", args);
}

/** A temp folder with the given files, removed after fn. */
export async function withFiles<T>(files: Record<string, string | Buffer>, fn: (path: (name: string) => string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "certwright-pki-"));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return await fn((name) => join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
