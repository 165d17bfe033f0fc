// A root, an intermediate and a leaf made by openssl (not by our own code), and a second root.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { chainsTo } from "./chains-to.ts";
import { openssl, withFiles } from "./testing/openssl.ts";

interface Chain {
  root: string;
  intermediate: string;
  leaf: string;
}

async function opensslChain(name: string): Promise<Chain> {
  return withFiles({ "ext.cnf": "[ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n[leaf]\nbasicConstraints=critical,CA:false\nsubjectAltName=DNS:a.example.com\n" }, async (p) => {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    await openssl("req", "-x509", ...ec, "-keyout", p("root.key"), "-out", p("root.pem"), "-subj", `/CN=${name} root`, "-days", "30", "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    await openssl("req", ...ec, "-keyout", p("int.key"), "-out", p("int.csr"), "-subj", `/CN=${name} intermediate`);
    await openssl("x509", "-req", "-in", p("int.csr"), "-CA", p("root.pem"), "-CAkey", p("root.key"), "-CAcreateserial", "-out", p("int.pem"), "-days", "20", "-extfile", p("ext.cnf"), "-extensions", "ca");
    await openssl("req", ...ec, "-keyout", p("leaf.key"), "-out", p("leaf.csr"), "-subj", "/CN=a.example.com");
    await openssl("x509", "-req", "-in", p("leaf.csr"), "-CA", p("int.pem"), "-CAkey", p("int.key"), "-CAcreateserial", "-out", p("leaf.pem"), "-days", "10", "-extfile", p("ext.cnf"), "-extensions", "leaf");
    const read = (f: string) => readFile(p(f), "utf8");
    return { root: await read("root.pem"), intermediate: await read("int.pem"), leaf: await read("leaf.pem") };
  });
}

const a = await opensslChain("a");
const b = await opensslChain("b");

describe("chainsTo", () => {
  it("leads from the leaf through the bundle's intermediates to a root", async () => {
    expect(await chainsTo([a.leaf, a.intermediate], a.root)).toBe(true);
    expect(await chainsTo([a.leaf, a.intermediate], b.root + a.root)).toBe(true);
    // The issuing CA itself named: signed directly.
    expect(await chainsTo([a.leaf], a.intermediate + a.root)).toBe(true);
  });

  it("refuses a bundle that does not reach the CA", async () => {
    expect(await chainsTo([a.leaf], a.root)).toBe(false); // the intermediate is missing
    expect(await chainsTo([a.leaf, a.intermediate], b.root)).toBe(false);
    expect(await chainsTo([a.leaf, b.intermediate], a.root)).toBe(false); // not the leaf's issuer
    expect(await chainsTo([b.leaf, a.intermediate], a.root)).toBe(false);
    expect(await chainsTo([], a.root)).toBe(false);
    expect(await chainsTo([a.leaf, a.intermediate], "not a certificate")).toBe(false);
  });

  it("ends on a bundle that repeats itself", async () => {
    expect(await chainsTo([a.leaf, a.intermediate, a.intermediate, a.leaf], b.root)).toBe(false);
  });
});
