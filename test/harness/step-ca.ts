// Starts a real step-ca (built from its Go module by scripts/build-test-binaries.sh) on loopback,
// initialised without the step CLI: root and intermediate made with openssl, ca.json written
// here with JWK provisioners (public key plus the encryptedKey JWE `step ca init` would write),
// a badger database, the CRL enabled, and optionally an ACME provisioner.
//
//   const ca = await startStepCa({ acme: true });
//   ca.url, ca.rootPem, ca.provisioner.privateJwk, ca.acmeDirectoryUrl; await ca.stop();
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { calculateJwkThumbprint, CompactEncrypt, type JWK } from "jose";
import { Agent, fetch } from "undici";

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL("../../scripts/build-test-binaries.sh", import.meta.url));

export interface StepCaProvisionerSpec {
  name: string;
  /** An x509 certificate template (step-ca's Go text/template JSON); default step-ca's own leaf template. */
  x509Template?: string;
}

export interface StepCaOptions {
  /** Adds an ACME provisioner named "acme". `httpPort`: where step-ca validates http-01 (its --acme-http-port; default 80). */
  acme?: boolean | { httpPort?: number; resolver?: string };
  /** JWK provisioners, each with its own P-256 key; default one named "certwright". */
  provisioners?: StepCaProvisionerSpec[];
  /** Longest certificate the JWK provisioners sign (step-ca's maxTLSCertDuration); default 9000h. */
  maxTLSCertDuration?: string;
}

export interface StepCaProvisioner {
  name: string;
  kid: string;
  /** The private key as a JWK (JSON text, with kid), what the operator's Secret holds. */
  privateJwk: string;
  /** The same key as PKCS#8 PEM. */
  privatePem: string;
  /** The JWE that ca.json holds as encryptedKey, and its password. */
  encryptedKey: string;
  password: string;
}

export interface StepCa {
  /** https://127.0.0.1:<port> */
  url: string;
  rootPem: string;
  intermediatePem: string;
  /** SHA-256 of the root's DER, lowercase hex (what `step certificate fingerprint` prints). */
  rootFingerprint: string;
  provisioner: StepCaProvisioner;
  provisioners: StepCaProvisioner[];
  /** Set when started with `acme`: the ACME provisioner's directory. */
  acmeDirectoryUrl?: string;
  /** GET /1.0/crl: step-ca's CRL, DER. */
  crlDer(): Promise<Buffer>;
  /** A GET against step-ca trusting its root (e.g. "/roots.pem"). */
  get(path: string): Promise<{ status: number; text: string }>;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Builds step-ca once into ~/.cache/certwright (minutes on the first run), then reuses it. The
 * build runs at a lower priority: other test files run beside it and must not starve.
 */
export async function stepCaBinary(): Promise<string> {
  const { stdout, stderr } = await run("nice", ["-n", "10", "bash", SCRIPT, "step-ca"], { maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60_000 });
  for (const line of stderr.split("\n")) if (/: (building|reused)/.test(line)) console.log(line.trim());
  const path = /^step-ca=(.+)$/m.exec(stdout)?.[1];
  if (!path) throw new Error(`build-test-binaries.sh step-ca printed no path:\n${stderr.slice(-2000)}`);
  return path;
}

export async function startStepCa(opts: StepCaOptions = {}): Promise<StepCa> {
  const bin = await stepCaBinary();
  const dir = await mkdtemp(join(tmpdir(), "step-ca-"));
  try {
    const pki = await makePki(dir);
    const port = await freePort();
    const provisioners = await Promise.all((opts.provisioners ?? [{ name: "certwright" }]).map((p) => makeProvisioner(p)));
    const acme = opts.acme ? (opts.acme === true ? {} : opts.acme) : undefined;
    const config = caJson({ dir, port, provisioners, acme: Boolean(acme), maxTLSCertDuration: opts.maxTLSCertDuration ?? "9000h" });
    await writeFile(join(dir, "ca.json"), JSON.stringify(config, null, 2));
    const args = [join(dir, "ca.json")];
    // step-ca refuses a non-standard validation port unless told it is not production (--insecure).
    if (acme?.httpPort) args.push("--insecure", "--acme-http-port", String(acme.httpPort));
    if (acme?.resolver) args.push("--resolver", acme.resolver);
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOME: dir } });
    let log = "";
    child.stdout.on("data", (d: Buffer) => (log += d.toString()));
    child.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const agent = new Agent({ connect: { ca: pki.rootPem } });
    const url = `https://127.0.0.1:${port}`;
    const stop = async () => {
      await kill(child);
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await waitHealthy(url, agent, child, () => log);
    } catch (e) {
      await stop();
      throw e;
    }
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}`, { dispatcher: agent });
      return { status: res.status, text: await res.text() };
    };
    return {
      url,
      rootPem: pki.rootPem,
      intermediatePem: pki.intermediatePem,
      rootFingerprint: pki.rootFingerprint,
      provisioner: provisioners[0]!.creds,
      provisioners: provisioners.map((p) => p.creds),
      acmeDirectoryUrl: acme ? `${url}/acme/acme/directory` : undefined,
      crlDer: async () => {
        const res = await fetch(`${url}/1.0/crl`, { dispatcher: agent });
        if (res.status !== 200) throw new Error(`GET /1.0/crl: ${res.status} ${await res.text()}`);
        return Buffer.from(await res.arrayBuffer());
      },
      get,
      logs: () => log,
      stop,
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

interface Pki {
  rootPem: string;
  intermediatePem: string;
  rootFingerprint: string;
}

/** An EC P-256 root and intermediate, as `step ca init` makes them (pathlen 1 and 0). */
async function makePki(dir: string): Promise<Pki> {
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => run("openssl", args, { timeout: 60_000 });
  await writeFile(
    p("root.cnf"),
    "[req]\ndistinguished_name=dn\nx509_extensions=v3\nprompt=no\n[dn]\nO=certwright test\nCN=step-ca test Root CA\n" +
      "[v3]\nbasicConstraints=critical,CA:TRUE,pathlen:1\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
  );
  await writeFile(
    p("intermediate.ext"),
    "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n",
  );
  await openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("root_ca_key"));
  await openssl("req", "-new", "-x509", "-key", p("root_ca_key"), "-config", p("root.cnf"), "-days", "3650", "-sha256", "-out", p("root_ca.crt"));
  await openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p("intermediate_ca_key"));
  await openssl("req", "-new", "-key", p("intermediate_ca_key"), "-subj", "/O=certwright test/CN=step-ca test Intermediate CA", "-out", p("intermediate.csr"));
  await openssl(
    "x509", "-req", "-in", p("intermediate.csr"), "-CA", p("root_ca.crt"), "-CAkey", p("root_ca_key"), "-CAcreateserial",
    "-days", "3600", "-sha256", "-extfile", p("intermediate.ext"), "-out", p("intermediate_ca.crt"),
  );
  const rootPem = await readFile(p("root_ca.crt"), "utf8");
  const der = Buffer.from(rootPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return { rootPem, intermediatePem: await readFile(p("intermediate_ca.crt"), "utf8"), rootFingerprint: createHash("sha256").update(der).digest("hex") };
}

async function makeProvisioner(spec: StepCaProvisionerSpec): Promise<{ spec: StepCaProvisionerSpec; publicJwk: JWK; creds: StepCaProvisioner }> {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicJwk = createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(privateKey.export({ format: "jwk" }) as JWK), kid, use: "sig", alg: "ES256" };
  const password = randomBytes(16).toString("hex");
  // What `step ca init` stores: the private JWK encrypted with the provisioner password (PBES2).
  const encryptedKey = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(privateJwk)))
    .setProtectedHeader({ alg: "PBES2-HS256+A128KW", enc: "A256GCM", cty: "jwk+json", p2c: 100_000 })
    .encrypt(new TextEncoder().encode(password));
  return {
    spec,
    publicJwk: { ...publicJwk, kid, use: "sig", alg: "ES256" },
    creds: {
      name: spec.name,
      kid,
      privateJwk: JSON.stringify(privateJwk),
      privatePem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
      encryptedKey,
      password,
    },
  };
}

function caJson(c: { dir: string; port: number; provisioners: { spec: StepCaProvisionerSpec; publicJwk: JWK; creds: StepCaProvisioner }[]; acme: boolean; maxTLSCertDuration: string }) {
  const claims = { minTLSCertDuration: "5m", maxTLSCertDuration: c.maxTLSCertDuration, defaultTLSCertDuration: "24h" };
  const jwk = c.provisioners.map((p) => ({
    type: "JWK",
    name: p.spec.name,
    key: p.publicJwk,
    encryptedKey: p.creds.encryptedKey,
    claims,
    ...(p.spec.x509Template ? { options: { x509: { template: p.spec.x509Template } } } : {}),
  }));
  const acme = c.acme ? [{ type: "ACME", name: "acme", claims }] : [];
  return {
    root: join(c.dir, "root_ca.crt"),
    crt: join(c.dir, "intermediate_ca.crt"),
    key: join(c.dir, "intermediate_ca_key"),
    address: `127.0.0.1:${c.port}`,
    dnsNames: ["127.0.0.1", "localhost"],
    logger: { format: "text" },
    db: { type: "badgerv2", dataSource: join(c.dir, "db") },
    crl: { enabled: true, generateOnRevoke: true, cacheDuration: "24h" },
    authority: { provisioners: [...jwk, ...acme] },
    tls: { minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
  };
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

async function waitHealthy(url: string, agent: Agent, child: ChildProcess, log: () => string): Promise<void> {
  // Generous: badger opens its files and step-ca signs its own TLS certificate on a loaded machine.
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`step-ca exited with ${child.exitCode}:\n${log().slice(-4000)}`);
    try {
      const res = await fetch(`${url}/health`, { dispatcher: agent });
      if (res.ok && ((await res.json()) as { status?: string }).status === "ok") return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`step-ca did not answer ${url}/health within 60s:\n${log().slice(-4000)}`);
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
