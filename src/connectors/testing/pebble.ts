// Starts Debian's pebble (a real RFC 8555 server) on loopback for connector tests: free ports,
// a throwaway HTTPS certificate (the package ships no test certs), and real validation: the VA
// resolves names through `dnsServer` and fetches http-01 answers from `httpPort` on what they
// resolve to. `eab` turns on pebble's external-account-binding mode with those MAC keys.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch } from "undici";
import { createCertificateAuthority, floorToSecond, signCertificate } from "../../pki/ca.ts";
import { generatePrivateKey } from "../../pki/keys.ts";
import { usagesForType } from "../../pki/usages.ts";

export const PEBBLE_BIN = "/usr/bin/pebble";
export const pebbleAvailable = existsSync(PEBBLE_BIN);

export interface Pebble {
  directoryUrl: string;
  /** Trust anchor of pebble's HTTPS listener, for caBundleSecretRef. */
  tlsCaPem: string;
  /** Root of the certificates pebble issues (regenerated each start), from its management API. */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function tlsMaterial(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const now = new Date();
  const ca = await createCertificateAuthority({ commonName: "pebble test TLS CA", now, validityDays: 2 });
  const keyPem = await generatePrivateKey({ algorithm: "ECDSA", size: 256 });
  const notBefore = floorToSecond(new Date(now.getTime() - 60_000));
  const certPem = await signCertificate({
    issuer: ca,
    publicKeyPem: keyPem,
    subject: { commonName: "localhost" },
    sans: { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
    ...usagesForType("server", "ECDSA"),
    notBefore,
    notAfter: new Date(notBefore.getTime() + 86_400_000),
  });
  return { caPem: ca.certificatePem, certPem, keyPem };
}

export interface PebbleOptions {
  /** host:port of the DNS server the VA resolves through (BIND or pebble-challtestsrv). */
  dnsServer: string;
  /** Port the VA fetches http-01 answers from (the operator's solver listener). */
  httpPort: number;
  /** kid -> base64url MAC key; set: every new account needs a binding. */
  eab?: Record<string, string>;
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), "pebble-"));
  const tls = await tlsMaterial();
  const [port, mgmt, tlsPort] = [await freePort(), await freePort(), await freePort()];
  const http = opts.httpPort;
  await writeFile(join(dir, "cert.pem"), tls.certPem);
  await writeFile(join(dir, "key.pem"), tls.keyPem);
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${port}`,
      managementListenAddress: `127.0.0.1:${mgmt}`,
      certificate: join(dir, "cert.pem"),
      privateKey: join(dir, "key.pem"),
      httpPort: http,
      tlsPort,
      ocspResponderURL: "",
      externalAccountBindingRequired: opts.eab !== undefined,
      externalAccountMACKeys: opts.eab ?? {},
    },
  };
  await writeFile(join(dir, "pebble-config.json"), JSON.stringify(config));
  const env = {
    ...process.env,
    PEBBLE_VA_NOSLEEP: "1",
    // Determinism: no random badNonce refusals and no random authorization reuse.
    PEBBLE_WFE_NONCEREJECT: "0",
    PEBBLE_AUTHZREUSE: "0",
  };
  const child = spawn(PEBBLE_BIN, ["-config", join(dir, "pebble-config.json"), "-dnsserver", opts.dnsServer], { env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  const agent = new Agent({ connect: { ca: tls.caPem } });
  const directoryUrl = `https://127.0.0.1:${port}/dir`;
  const stop = async () => {
    await kill(child);
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(directoryUrl, agent, child, () => log);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    directoryUrl,
    tlsCaPem: tls.caPem,
    issuingRoot: async () => (await fetch(`https://127.0.0.1:${mgmt}/roots/0`, { dispatcher: agent })).text(),
    stop,
  };
}

async function waitFor(url: string, agent: Agent, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`pebble exited with ${child.exitCode}:\n${log()}`);
    try {
      if ((await fetch(url, { dispatcher: agent })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pebble did not serve ${url} within 5s:\n${log()}`);
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

export const CHALLTESTSRV_BIN = "/usr/bin/pebble-challtestsrv";

/**
 * pebble-challtestsrv (shipped with pebble) as a DNS server only: every A query answers
 * 127.0.0.1, so the VA fetches http-01 answers from loopback. Returns its host:port.
 */
export async function startLoopbackDns(): Promise<{ address: string; stop(): Promise<void> }> {
  const [dns, mgmt] = [await freePort(), await freePort()];
  const args = ["-defaultIPv4", "127.0.0.1", "-defaultIPv6", "", "-dns01", `127.0.0.1:${dns}`, "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", `127.0.0.1:${mgmt}`];
  const child = spawn(CHALLTESTSRV_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr.on("data", (d: Buffer) => (log += d.toString()));
  // Ready once its management port answers (the DNS listener starts before it).
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`pebble-challtestsrv exited with ${child.exitCode}:\n${log}`);
    try {
      await fetch(`http://127.0.0.1:${mgmt}/`);
      break;
    } catch {
      if (i > 100) {
        await kill(child);
        throw new Error(`pebble-challtestsrv did not start within 5s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { address: `127.0.0.1:${dns}`, stop: () => kill(child) };
}
