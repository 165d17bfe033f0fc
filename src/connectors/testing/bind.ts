// Starts Debian's BIND (named) on loopback for dns-01 tests: a free port, one primary zone whose
// names all resolve to 127.0.0.1 (so pebble's VA reaches loopback solvers for http-01 as well),
// but unreachable.<zone> (127.0.0.2, where no solver listens), and a TSIG key (HMAC-SHA256)
// allowed to update TXT records anywhere in the zone.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./pebble.ts";

export const NAMED_BIN = "/usr/sbin/named";
export const bindAvailable = existsSync(NAMED_BIN);

export interface Bind {
  /** 127.0.0.1:<port>, for pebble's -dnsserver and the profile's nameserver. */
  address: string;
  port: number;
  zone: string;
  keyName: string;
  /** The TSIG secret, base64 as in BIND's key statement. */
  keySecret: string;
  stop(): Promise<void>;
}

export async function startBind(zone = "example.test"): Promise<Bind> {
  const dir = await mkdtemp(join(tmpdir(), "named-"));
  const port = await freePort();
  const keyName = "certwright-acme";
  const keySecret = randomBytes(32).toString("base64");
  const conf = `
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-query { any; };
  notify no;
};
controls { };
key "${keyName}" { algorithm hmac-sha256; secret "${keySecret}"; };
zone "${zone}" {
  type primary;
  file "${dir}/${zone}.zone";
  update-policy { grant ${keyName} zonesub TXT; };
};
`;
  const zoneFile = `$TTL 60
@ IN SOA ns.${zone}. hostmaster.${zone}. 1 60 60 600 60
@ IN NS ns.${zone}.
@ IN A 127.0.0.1
ns IN A 127.0.0.1
* IN A 127.0.0.1
unreachable IN A 127.0.0.2
`;
  await writeFile(join(dir, "named.conf"), conf);
  await writeFile(join(dir, `${zone}.zone`), zoneFile);
  // -g: foreground, logs to stderr; -u only when root (named refuses to drop to a user otherwise).
  const args = ["-g", "-c", join(dir, "named.conf"), ...(process.getuid?.() === 0 ? ["-u", "root"] : [])];
  const child = spawn(NAMED_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const stop = async () => {
    await kill(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForLog(child, () => log, /running$/m);
  } catch (e) {
    await stop();
    throw e;
  }
  return { address: `127.0.0.1:${port}`, port, zone, keyName, keySecret, stop };
}

async function waitForLog(child: ChildProcess, log: () => string, ready: RegExp): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`named exited with ${child.exitCode}:\n${log()}`);
    if (ready.test(log())) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`named did not start within 20s:\n${log()}`);
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
