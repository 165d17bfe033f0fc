// Starts Debian's pebble (a real RFC 8555 server) on loopback for connector tests: free ports,
// a throwaway HTTPS certificate (the package ships no test certs), challenges always valid.
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

function freePort(): Promise<number> {
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

export async function startPebble(): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), "pebble-"));
  const tls = await tlsMaterial();
  const [port, mgmt, http, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
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
      externalAccountBindingRequired: false,
    },
  };
  await writeFile(join(dir, "pebble-config.json"), JSON.stringify(config));
  const env = {
    ...process.env,
    PEBBLE_VA_ALWAYS_VALID: "1",
    PEBBLE_VA_NOSLEEP: "1",
    // Determinism: no random badNonce refusals and no random authorization reuse.
    PEBBLE_WFE_NONCEREJECT: "0",
    PEBBLE_AUTHZREUSE: "0",
  };
  const child = spawn(PEBBLE_BIN, ["-config", join(dir, "pebble-config.json")], { env, stdio: ["ignore", "pipe", "pipe"] });
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
