// The HTTP transport of the connectors that call a remote CA (acme, http): undici with a timeout
// per phase, a cap on the reply size, cancellation through the caller's AbortSignal, and every
// transport failure a retryable ConnectorError whose message names only the CA's origin (never a
// path, query, header or body, so no token or credential can reach a condition or an Event).
// Connectors get it through an HttpClientFactory, so tests can inject their own.
import { Agent, request, type Dispatcher } from "undici";
import { formatDuration, parseDuration } from "../../api/duration.ts";
import { ConnectorError } from "../connector.ts";

export interface HttpTimeouts {
  /** TCP connect plus TLS handshake. */
  connectMs: number;
  /** From sending the request until the response headers are complete. */
  headersMs: number;
  /** From the headers until the whole body is in (a deadline, not an idle time). */
  bodyMs: number;
}

/**
 * Defaults, against undici's 300 s for headers and for body:
 * - connect 10 s: a handshake with a healthy CA takes milliseconds; 10 s rides out a lost SYN
 *   or a slow DNS answer (undici's own connect default).
 * - headers 30 s: some CAs sign while the request waits (a CZERTAINLY connector calls the CA
 *   behind it, an HSM may queue); 30 s covers that, and a worker is back in well under a minute.
 * - body 30 s: a reply is at most MAX_RESPONSE_BYTES, seconds even on a slow link.
 * A hung CA thus holds a worker at most 70 s per request instead of 10 minutes.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 };

/** Largest reply read from a CA: a certificate chain or an ACME object is a few KiB. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The profile's optional overrides, as Go-style durations ("5s", "2m"). */
export interface HttpTimeoutsSpec {
  connect?: string | undefined;
  headers?: string | undefined;
  body?: string | undefined;
}

export function resolveTimeouts(spec: HttpTimeoutsSpec | undefined): HttpTimeouts {
  const pick = (s: string | undefined, fallback: number) => (s === undefined ? fallback : parseDuration(s));
  return {
    connectMs: pick(spec?.connect, DEFAULT_HTTP_TIMEOUTS.connectMs),
    headersMs: pick(spec?.headers, DEFAULT_HTTP_TIMEOUTS.headersMs),
    bodyMs: pick(spec?.body, DEFAULT_HTTP_TIMEOUTS.bodyMs),
  };
}

export interface HttpRequest {
  method: "GET" | "HEAD" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Cancels the request; it then fails with ConnectorError "Cancelled". */
  signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type FetchLike = (url: string, init: HttpRequest) => Promise<HttpResponse>;

export interface HttpClientOptions {
  /** PEM bundle to trust instead of the system roots. */
  caPem?: string | undefined;
  /** Client certificate (leaf, then chain) and its key for TLS client authentication (mTLS). */
  clientCertificate?: { certificatePem: string; keyPem: string } | undefined;
  timeouts?: HttpTimeouts;
  maxResponseBytes?: number;
}

/** Builds the transport to one CA; injected at the connector factory. */
export type HttpClientFactory = (opts: HttpClientOptions) => FetchLike;

/**
 * undici's request API (no redirects followed, no decompression): the whole body is read,
 * within the caps, before the call returns, so every failure surfaces from this one call.
 */
export const undiciHttpClient: HttpClientFactory = (opts) => {
  const timeouts = opts.timeouts ?? DEFAULT_HTTP_TIMEOUTS;
  const maxBytes = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const dispatcher = new Agent({
    connect: { ca: opts.caPem, cert: opts.clientCertificate?.certificatePem, key: opts.clientCertificate?.keyPem, timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    maxResponseSize: maxBytes,
  });
  return (url, init) => send(dispatcher, url, init, { timeouts, maxBytes });
};

interface Attempt {
  origin: string;
  timeouts: HttpTimeouts;
  maxBytes: number;
  phase: "request" | "body";
  deadlineHit: boolean;
}

async function send(dispatcher: Dispatcher, url: string, init: HttpRequest, limits: { timeouts: HttpTimeouts; maxBytes: number }): Promise<HttpResponse> {
  const attempt: Attempt = { origin: originOf(url), ...limits, phase: "request", deadlineHit: false };
  if (init.signal?.aborted) throw cancelledRequest(attempt);
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  init.signal?.addEventListener("abort", onAbort, { once: true });
  let deadline: NodeJS.Timeout | undefined;
  try {
    const res = await request(url, { dispatcher, method: init.method, headers: init.headers, body: init.body, signal: controller.signal });
    attempt.phase = "body";
    deadline = setTimeout(() => {
      attempt.deadlineHit = true;
      controller.abort();
    }, attempt.timeouts.bodyMs);
    const body = await readBody(res.body, attempt);
    return { status: res.statusCode, headers: headerReader(res.headers), text: () => Promise.resolve(body) };
  } catch (e) {
    throw transportError(e, attempt, init.signal);
  } finally {
    clearTimeout(deadline);
    init.signal?.removeEventListener("abort", onAbort);
  }
}

async function readBody(body: Dispatcher.ResponseData["body"], attempt: Attempt): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > attempt.maxBytes) {
      body.destroy();
      throw tooLarge(attempt);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function headerReader(headers: Record<string, string | string[] | undefined>): HttpResponse["headers"] {
  return {
    get(name) {
      const v = headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
  };
}

/** Scheme, host and port only: paths and queries may carry identifiers, userinfo credentials. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the CA";
  }
}

const codeOf = (e: unknown): string | undefined => {
  for (let c: unknown = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
};

/** "30s", or "250ms" for the sub-second timeouts tests use. */
function shown(ms: number): string {
  return ms % 1000 === 0 ? formatDuration(ms) : `${ms}ms`;
}

function cancelledRequest(a: Attempt): ConnectorError {
  return new ConnectorError("Cancelled", `the request to ${a.origin} was cancelled`, true);
}

function tooLarge(a: Attempt): ConnectorError {
  return new ConnectorError("ResponseTooLarge", `${a.origin} sent a response over the limit of ${a.maxBytes} bytes`, true);
}

/** Codes of a connection the server closed (or reset) after accepting it, before any response. */
const DROPPED = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "UND_ERR_CLOSED"]);

/**
 * Timeouts are CATimeout, a refused handshake TLSHandshakeRefused, a connection closed before
 * the answer ConnectionDropped, everything else on the way CAUnreachable; all retryable.
 */
function transportError(e: unknown, a: Attempt, signal: AbortSignal | undefined): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const code = codeOf(e);
  const t = a.timeouts;
  if (a.deadlineHit || code === "UND_ERR_BODY_TIMEOUT") {
    return new ConnectorError("CATimeout", `${a.origin} did not finish its response within ${shown(t.bodyMs)} (body timeout)`, true);
  }
  if (signal?.aborted) return cancelledRequest(a);
  if (code === "UND_ERR_CONNECT_TIMEOUT") {
    return new ConnectorError("CATimeout", `connecting to ${a.origin} took longer than ${shown(t.connectMs)} (connect timeout)`, true);
  }
  if (code === "UND_ERR_HEADERS_TIMEOUT") {
    return new ConnectorError("CATimeout", `${a.origin} sent no response within ${shown(t.headersMs)} (headers timeout)`, true);
  }
  if (code === "UND_ERR_RES_EXCEEDED_MAX_SIZE") return tooLarge(a);
  // The server refused our TLS handshake with an alert: usually it rejects the client certificate.
  if (code?.startsWith("ERR_SSL_") && code.includes("ALERT")) {
    return new ConnectorError("TLSHandshakeRefused", `${a.origin} refused the TLS handshake: ${causeOf(e, code)}`, true);
  }
  // Connected, then closed without an answer: not "unreachable", and the caller says what it sent.
  if (code !== undefined && DROPPED.has(code)) {
    return new ConnectorError("ConnectionDropped", `${a.origin} closed the connection without answering (${causeOf(e, code)})`, true);
  }
  return new ConnectorError("CAUnreachable", `cannot reach ${a.origin}: ${causeOf(e, code)}`, true);
}

/** The innermost error message (e.g. "connect ECONNREFUSED 127.0.0.1:1", a TLS verification failure). */
function causeOf(e: unknown, code: string | undefined): string {
  let inner: unknown = e;
  for (let depth = 0; (inner as { cause?: unknown })?.cause && depth < 4; depth++) inner = (inner as { cause: unknown }).cause;
  const message = inner instanceof Error ? inner.message : undefined;
  return (message || code || "network error").slice(0, 200);
}
