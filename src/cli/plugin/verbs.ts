// The verbs of `kubectl certwright`: their flags, one-line and full help, and what runs them.
import type { FlagSpec } from "./args.ts";
import { checkVerb } from "./check.ts";
import type { Ctx } from "./context.ts";
import { csrVerb, handbackVerb } from "./hand-off.ts";
import { inspectVerb } from "./inspect.ts";
import { inventoryVerb } from "./inventory.ts";
import { renewVerb, revokeVerb } from "./lifecycle.ts";
import { statusVerb } from "./status.ts";

export interface Verb {
  name: string;
  usage: string;
  summary: string;
  details: string;
  flags: FlagSpec[];
  /** What completes the first positional: Certificate names, Secret names or fixed words. */
  completes?: "certificate" | "secret" | readonly string[];
  /** Talks to no cluster (completion). */
  offline?: boolean;
  run(ctx: Ctx): Promise<number>;
}

const wait: FlagSpec = { name: "wait", value: false, help: "wait for the operator's answer (default true; --wait=false returns at once)" };
const timeout: FlagSpec = { name: "timeout", value: true, help: "how long to wait, e.g. 90s, 5m (default 2m)" };
const force: FlagSpec = { name: "force-conflicts", value: false, help: "take over the field from another field manager (server-side apply)" };

export const VERBS: readonly Verb[] = [
  {
    name: "status", usage: "status NAME", summary: "conditions, the served certificate decoded, last Events, history", completes: "certificate", flags: [],
    details: "Shows the Certificate's conditions, the certificate its Secret serves (subject, SANs, issuer, serial,\nvalidity, key, usages, SHA-256), its last Events and its inventory history. -o json|yaml for all of it.",
    run: statusVerb,
  },
  {
    name: "inspect", usage: "inspect secret NAME", summary: "decode a certificate Secret (never prints key bytes)", completes: ["secret"], flags: [],
    details: "Decodes tls.crt (every certificate of the chain), ca.crt, the kind of tls.key and whether it matches,\nkeystore.p12, jwks.json kids and certwright's labels and annotations.",
    run: inspectVerb,
  },
  {
    name: "renew", usage: "renew NAME", summary: "renew now (spec.renewalRequest with a fresh id) and wait", completes: "certificate", flags: [wait, timeout, force],
    details: "Sets spec.renewalRequest {id: <fresh>, rekey: false} by server-side apply (field manager\nkubectl-certwright) and waits for the next revision. privateKey.rotationPolicy still decides the key.",
    run: (ctx) => renewVerb(ctx, false),
  },
  {
    name: "rekey", usage: "rekey NAME", summary: "renew with a new private key and wait", completes: "certificate", flags: [wait, timeout, force],
    details: "Like renew with rekey: true: the next certificate has a new private key.",
    run: (ctx) => renewVerb(ctx, true),
  },
  {
    name: "revoke", usage: "revoke NAME --reason REASON", summary: "revoke the current certificate and wait", completes: "certificate",
    flags: [{ name: "reason", value: true, help: "an RFC 5280 reason: unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise" }, wait, timeout, force],
    details: "Sets spec.revocation {reason} by server-side apply under the field manager kubectl-certwright and waits\nfor Ready=False reason Revoked. Removing spec.revocation later issues a replacement.",
    run: revokeVerb,
  },
  {
    name: "csr", usage: "csr NAME [--out FILE]", summary: "write the pending CSR of a manual-connector Certificate", completes: "certificate",
    flags: [{ name: "out", value: true, help: "file to write the CSR to (default: stdout)" }],
    details: "Writes tls.csr of Secret <secretName>-request, the CSR the operator published for the CA portal, and\nprints the profile's instructions on stderr.",
    run: csrVerb,
  },
  {
    name: "handback", usage: "handback NAME --cert FILE [--ca FILE]", summary: "check the portal's certificate locally, then hand it back", completes: "certificate",
    flags: [{ name: "cert", value: true, help: "the issued certificate, PEM (leaf first, chain may follow)" }, { name: "ca", value: true, help: "the CA certificate(s), PEM, when the portal gave them apart" }, wait, timeout],
    details: "Before writing anything, checks that the chain links (each certificate signed by the next, ending at --ca\nwhen given), that the certificate is for the pending CSR's key, carries exactly its names, has the usages\nthe Certificate's type needs and is within its validity; says what is wrong and exits 1 otherwise. Then\nwrites it into tls.crt (and ca.crt) of Secret <secretName>-request and waits for Ready.",
    run: handbackVerb,
  },
  {
    name: "inventory", usage: "inventory [--sort expiry|name]", summary: "every certificate issued (status history), sortable",
    flags: [{ name: "sort", value: true, help: "expiry (default) or name" }],
    details: "One row per certificate ever held by the Certificates of the namespace (-A: all): serial, expiry, state.",
    run: inventoryVerb,
  },
  {
    name: "check", usage: "check [--operator-url URL]", summary: "CRDs established, operator leading (and answering)",
    flags: [
      { name: "leader-election-namespace", value: true, help: "where the operator's Lease lives (default certwright)" },
      { name: "leader-election-id", value: true, help: "the Lease's name (default certwright-controller)" },
      { name: "operator-url", value: true, help: "also GET <url>/readyz, e.g. after kubectl port-forward -n certwright svc/certwright 9402" },
    ],
    details: "Exit 0 when every check passes, 1 otherwise. Also says when another group's CRD (cert-manager's\ncertificates.cert-manager.io) shares a plural, so plain `kubectl get certificates` is ambiguous.",
    run: checkVerb,
  },
];

export const verbNamed = (name: string | undefined): Verb | undefined => VERBS.find((v) => v.name === name);
