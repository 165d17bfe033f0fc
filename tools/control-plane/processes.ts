// Child processes of the control plane, and a watchdog that cleans up after us even when the
// test runner is killed: it polls our pid and, once we are gone, kills every pid recorded in
// the pids folder and removes the temp dir. No stray etcd or kube-apiserver outlives a run.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

export interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
}

export async function startProcess(dir: string, name: string, bin: string, args: string[]): Promise<Managed> {
  const log = createWriteStream(join(dir, `${name}.log`), { flags: "a" });
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  if (child.pid === undefined) throw new Error(`could not start ${name} (${bin})`);
  await mkdir(join(dir, "pids"), { recursive: true });
  await writeFile(join(dir, "pids", name), String(child.pid));
  return { name, child, exited };
}

export async function stopProcess(p: Managed, dir: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) {
    p.child.kill(signal);
    const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
    await p.exited;
    clearTimeout(timer);
  }
  await rm(join(dir, "pids", p.name), { force: true });
}

export function startWatchdog(dir: string): ChildProcess {
  const script = `
    while kill -0 ${process.pid} 2>/dev/null && [ -d "${dir}" ]; do sleep 1; done
    if [ -d "${dir}/pids" ]; then for f in "${dir}"/pids/*; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; fi
    rm -rf "${dir}"`;
  const dog = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
  dog.unref();
  return dog;
}

/** A free loopback port (asks the kernel for one, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}
