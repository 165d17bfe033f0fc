// Certificates for the test API server: a CA, its serving cert, an admin client cert in
// system:masters and the service-account signing key. Made with the openssl CLI so the harness
// does not depend on the code under test.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ControlPlaneCerts {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  saKey: string;
  saPub: string;
}

const openssl = (args: string[]) => run("openssl", args);

async function leaf(dir: string, name: string, subj: string, ext: string): Promise<void> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, ext);
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
  await openssl(["req", "-new", "-key", key, "-subj", subj, "-out", csr]);
  await openssl([
    "x509", "-req", "-in", csr, "-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key"),
    "-CAcreateserial", "-days", "30", "-extfile", extFile, "-out", join(dir, `${name}.crt`),
  ]);
}

export async function makeControlPlaneCerts(dir: string): Promise<ControlPlaneCerts> {
  const p = (f: string) => join(dir, f);
  await openssl([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "30", "-subj", "/CN=certwright-test-ca",
  ]);
  await leaf(dir, "serving", "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n");
  await leaf(dir, "admin", "/O=system:masters/CN=certwright-admin", "extendedKeyUsage=clientAuth\n");
  await openssl(["genrsa", "-out", p("sa.key"), "2048"]);
  await openssl(["rsa", "-in", p("sa.key"), "-pubout", "-out", p("sa.pub")]);
  return {
    caCert: p("ca.crt"), caKey: p("ca.key"), servingCert: p("serving.crt"), servingKey: p("serving.key"),
    adminCert: p("admin.crt"), adminKey: p("admin.key"), saKey: p("sa.key"), saPub: p("sa.pub"),
  };
}
