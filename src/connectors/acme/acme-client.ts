// An RFC 8555 client for one account: directory, nonces, account, orders, authorizations,
// finalization, download and revocation. It speaks HTTP through an injected fetch and waits
// through an injected sleep, so every poll is bounded and tests never sleep for real. Calls for
// one issuance take that issuance's AbortSignal; work shared by all callers (the directory, the
// account) runs without one, and each caller stops waiting for it when its own signal fires.
import type { KeyObject } from "node:crypto";
import { ConnectorError } from "../connector.ts";
import { abortable, throwIfCancelled } from "../shared/abort.ts";
import type { FetchLike, HttpResponse } from "../shared/http.ts";
import { pickSolver, type ChallengeSolver } from "./challenge-solver.ts";
import { externalAccountBinding, type EabCredentials } from "./eab.ts";
import { jwkThumbprint, publicJwk, signJws, type JwsSigner } from "./jws.ts";
import { problemError, type ProblemDocument } from "./problem.ts";

export interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  revokeCert: string;
}

export interface Identifier {
  type: "dns" | "ip";
  value: string;
}

type Status = "pending" | "ready" | "processing" | "valid" | "invalid" | "revoked" | "deactivated" | "expired";

export interface Order {
  status: Status;
  identifiers: Identifier[];
  authorizations: string[];
  finalize: string;
  certificate?: string;
  error?: ProblemDocument;
}

interface Challenge {
  type: string;
  url: string;
  token: string;
  status: Status;
  error?: ProblemDocument;
}

interface Authorization {
  status: Status;
  /** For a wildcard the identifier is the base name, flagged here (RFC 8555 §7.1.4). */
  wildcard?: boolean;
  identifier: Identifier;
  challenges: Challenge[];
}

export interface AcmeClientOptions {
  directoryUrl: string;
  accountKey: KeyObject;
  fetch: FetchLike;
  /** Must end early (rejecting) when the signal fires. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Polls of an authorization or order before giving up (retryably). */
  pollAttempts?: number;
  pollIntervalMs?: number;
  /**
   * Answer challenges before the server is told to look. Without any, http-01 is accepted
   * unanswered (for servers that validate by themselves, such as test servers).
   */
  solvers?: readonly ChallengeSolver[];
  /** Binds a new account to the CA's own account (RFC 8555 §7.3.4). */
  eab?: EabCredentials | undefined;
}

type Signal = AbortSignal | undefined;

interface PostOptions {
  signer?: JwsSigner;
  headers?: Record<string, string>;
  signal?: Signal;
}

interface Reply {
  status: number;
  headers: HttpResponse["headers"];
  body: string;
}

const JOSE = { "content-type": "application/jose+json" };

export class AcmeClient {
  private readonly opts: Required<Omit<AcmeClientOptions, "eab">> & Pick<AcmeClientOptions, "eab">;
  private directoryPromise: Promise<Directory> | undefined;
  private readonly nonces: string[] = [];
  private accountUrl: string | undefined;

  constructor(opts: AcmeClientOptions) {
    this.opts = { ...opts, pollAttempts: opts.pollAttempts ?? 30, pollIntervalMs: opts.pollIntervalMs ?? 1000, solvers: opts.solvers ?? [] };
  }

  directory(signal?: Signal): Promise<Directory> {
    this.directoryPromise ??= this.fetchDirectory().catch((e: unknown) => {
      this.directoryPromise = undefined; // a failed lookup is retried by the next call
      throw e;
    });
    return abortable(this.directoryPromise, signal, "the ACME directory lookup");
  }

  /** Finds the account of our key, or creates it (agreeing to the terms of service). */
  async account(email: string | undefined): Promise<string> {
    if (this.accountUrl) return this.accountUrl;
    const dir = await this.directory();
    const jwk = { jwk: publicJwk(this.opts.accountKey) };
    let reply: Reply;
    try {
      reply = await this.post(dir.newAccount, { onlyReturnExisting: true }, { signer: jwk });
    } catch (e) {
      if (!(e instanceof ConnectorError) || e.reason !== "accountDoesNotExist") throw e;
      const contact = email ? [`mailto:${email}`] : undefined;
      const binding = this.opts.eab ? externalAccountBinding(this.opts.eab, jwk.jwk, dir.newAccount) : undefined;
      reply = await this.post(dir.newAccount, { termsOfServiceAgreed: true, contact, externalAccountBinding: binding }, { signer: jwk });
    }
    this.accountUrl = location(reply, "newAccount");
    return this.accountUrl;
  }

  async newOrder(identifiers: Identifier[], signal?: Signal): Promise<{ url: string; order: Order }> {
    const reply = await this.post((await this.directory(signal)).newOrder, { identifiers }, { signal });
    return { url: location(reply, "newOrder"), order: parse<Order>(reply) };
  }

  /**
   * Brings one authorization to valid: answers one of its challenges, polls, and cleans the
   * answer up again. A failed challenge is reported with the server's problem type and detail.
   */
  async authorize(authzUrl: string, signal?: Signal): Promise<void> {
    let authz = parse<Authorization>(await this.post(authzUrl, undefined, { signal }));
    if (authz.status === "valid") return; // reused from an earlier order
    const name = authz.wildcard ? `*.${authz.identifier.value}` : authz.identifier.value;
    if (authz.status === "pending") {
      const { challenge, solver } = this.chooseChallenge(authz);
      const keyAuthorization = `${challenge.token}.${jwkThumbprint(publicJwk(this.opts.accountKey))}`;
      const answer = { identifier: authz.identifier, token: challenge.token, keyAuthorization, signal };
      try {
        await solver?.present(answer);
        await this.post(challenge.url, {}, { signal });
        // step-ca marks the answered challenge invalid but leaves the authorization pending (other
        // challenges still open, unlike RFC 8555 §7.1.6): that is as final as an invalid authorization.
        const answeredFailed = (a: Authorization) => a.challenges.some((c) => c.url === challenge.url && c.status === "invalid");
        authz = await this.poll(authzUrl, (a: Authorization) => a.status !== "pending" || answeredFailed(a), `authorization of ${name}`, signal);
      } finally {
        await solver?.cleanup(answer).catch(() => undefined);
      }
    } else {
      authz = await this.poll(authzUrl, (a: Authorization) => a.status !== "pending", `authorization of ${name}`, signal);
    }
    if (authz.status !== "valid") {
      const failed = authz.challenges.find((c) => c.error && c.status === "invalid") ?? authz.challenges.find((c) => c.error);
      if (failed?.error) throw challengeError(failed.type, name, failed.error);
      throw new ConnectorError("AuthorizationFailed", `authorization of ${name} is ${authz.status}`, false);
    }
  }

  /** The challenge to answer and the solver for it (none: the server validates by itself). */
  private chooseChallenge(authz: Authorization): { challenge: Challenge; solver: ChallengeSolver | undefined } {
    const offered = authz.challenges.map((c) => c.type);
    const solvers = this.opts.solvers;
    const identifier = authz.wildcard ? { ...authz.identifier, value: `*.${authz.identifier.value}` } : authz.identifier;
    const solver = solvers.length ? pickSolver(identifier, offered, solvers) : undefined;
    const challenge = authz.challenges.find((c) => c.type === (solver?.type ?? "http-01"));
    if (!challenge || (solvers.length && !solver)) {
      const have = solvers.length ? solvers.map((s) => s.type).join(", ") : "http-01";
      throw new ConnectorError("NoSupportedChallenge", `the ACME server offers ${offered.join(", ") || "no challenge"} for ${authz.identifier.value}; the profile answers ${have}`, false);
    }
    return { challenge, solver };
  }

  /** Sends the CSR and waits until the certificate is ready; returns the finished order. */
  async finalize(orderUrl: string, order: Order, csrDer: Buffer, signal?: Signal): Promise<Order> {
    let current = order;
    if (current.status === "pending") current = await this.poll(orderUrl, (o: Order) => o.status !== "pending", "order", signal);
    if (current.status === "ready") current = parse<Order>(await this.post(current.finalize, { csr: csrDer.toString("base64url") }, { signal }));
    if (current.status === "processing") current = await this.poll(orderUrl, (o: Order) => o.status !== "processing", "order", signal);
    if (current.status !== "valid" || !current.certificate) {
      if (current.error) throw problemError(current.error, 403);
      throw new ConnectorError("OrderFailed", `the order ended ${current.status}`, false);
    }
    return current;
  }

  /** The certificate chain as served: leaf first, PEM. */
  async downloadChain(certificateUrl: string, signal?: Signal): Promise<string> {
    const reply = await this.post(certificateUrl, undefined, { headers: { accept: "application/pem-certificate-chain" }, signal });
    return reply.body;
  }

  /** Revokes by certificate (DER), as the owning account. A certificate already revoked is success. */
  async revoke(certificateDer: Buffer, reasonCode: number, signal?: Signal): Promise<void> {
    const dir = await this.directory(signal);
    try {
      await this.post(dir.revokeCert, { certificate: certificateDer.toString("base64url"), reason: reasonCode }, { signal });
    } catch (e) {
      if (e instanceof ConnectorError && e.reason === "alreadyRevoked") return;
      throw e;
    }
  }

  async fetchDirectory(signal?: AbortSignal): Promise<Directory> {
    const res = await this.send(this.opts.directoryUrl, { method: "GET", signal });
    const body = await res.text();
    if (res.status !== 200) throw replyError({ status: res.status, headers: res.headers, body }, "directory");
    const dir = parse<Partial<Directory>>({ status: res.status, headers: res.headers, body });
    if (!dir.newNonce || !dir.newAccount || !dir.newOrder || !dir.revokeCert) {
      throw new ConnectorError("InvalidDirectory", `${this.opts.directoryUrl} is not an ACME directory`, false);
    }
    return dir as Directory;
  }

  private async poll<T extends { status: Status }>(url: string, done: (v: T) => boolean, what: string, signal: Signal): Promise<T> {
    for (let attempt = 0; attempt < this.opts.pollAttempts; attempt++) {
      const value = parse<T>(await this.post(url, undefined, { signal }));
      if (done(value)) return value;
      try {
        await this.opts.sleep(this.opts.pollIntervalMs, signal);
      } catch (e) {
        throwIfCancelled(signal, `polling the ${what}`);
        throw e;
      }
    }
    throw new ConnectorError("Timeout", `${what} not finished after ${this.opts.pollAttempts} polls`, true);
  }

  /**
   * One signed POST (payload undefined = POST-as-GET). A badNonce is retried once with the
   * fresh nonce the refusal carried, as RFC 8555 §6.5 intends.
   */
  private async post(url: string, payload: unknown, opts: PostOptions = {}): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const nonce = await this.nonce(opts.signal);
      const kid = opts.signer ?? { kid: this.requireAccount() };
      const body = JSON.stringify(signJws(this.opts.accountKey, kid, url, nonce, payload));
      const res = await this.send(url, { method: "POST", headers: { ...JOSE, ...opts.headers }, body, signal: opts.signal });
      const reply = { status: res.status, headers: res.headers, body: await res.text() };
      if (reply.status < 400) return reply;
      const error = replyError(reply, url);
      if (error.reason === "badNonce" && attempt === 0) continue;
      throw error;
    }
  }

  private requireAccount(): string {
    if (!this.accountUrl) throw new Error("ACME account not registered yet");
    return this.accountUrl;
  }

  private async nonce(signal: Signal): Promise<string> {
    const pooled = this.nonces.pop();
    if (pooled) return pooled;
    const res = await this.send((await this.directory(signal)).newNonce, { method: "HEAD", signal });
    const nonce = res.headers.get("replay-nonce");
    if (!nonce) throw new ConnectorError("NoNonce", "the ACME server sent no Replay-Nonce", true);
    return nonce;
  }

  /** Every reply may carry a fresh nonce; keep it for the next request. */
  private async send(url: string, init: Parameters<FetchLike>[1]): Promise<HttpResponse> {
    let res: HttpResponse;
    try {
      res = await this.opts.fetch(url, init);
    } catch (e) {
      if (e instanceof ConnectorError) throw e; // the transport's CATimeout, CAUnreachable, Cancelled
      throw new ConnectorError("CAUnreachable", `cannot reach the ACME server: ${(e as Error).message}`, true);
    }
    const nonce = res.headers.get("replay-nonce");
    if (nonce) this.nonces.push(nonce);
    return res;
  }
}

/** The JSON body of a reply; anything else from the server is a retryable InvalidResponse. */
function parse<T>(reply: Reply): T {
  try {
    const value: unknown = JSON.parse(reply.body);
    if (value && typeof value === "object") return value as T;
  } catch {
    // fall through
  }
  throw new ConnectorError("InvalidResponse", `the ACME server answered ${reply.status} without a JSON object`, true);
}

function location(reply: Reply, what: string): string {
  const url = reply.headers.get("location");
  if (!url) throw new ConnectorError("InvalidResponse", `the ACME ${what} reply has no Location`, true);
  return url;
}

/** "challenge http-01 for a.example.com failed: urn:...:connection: <detail>", named by the problem type. */
function challengeError(type: string, name: string, problem: ProblemDocument): ConnectorError {
  const base = problemError(problem, 403);
  const message = `ACME server: challenge ${type} for ${name} failed: ${problem.type ?? "unknown problem"}: ${problem.detail ?? ""}`.trim();
  return new ConnectorError(base.reason, message, base.retryable);
}

/** A problem document when the server sent one, otherwise the bare HTTP status. */
function replyError(reply: Reply, url: string): ConnectorError {
  const type = reply.headers.get("content-type") ?? "";
  if (type.includes("application/problem+json")) {
    try {
      return problemError(JSON.parse(reply.body) as ProblemDocument, reply.status);
    } catch {
      // fall through: an unparseable problem is reported by status
    }
  }
  return problemError({ detail: `HTTP ${reply.status} from ${url}` }, reply.status);
}
