// JSON over HTTPS to step-ca's 1.0 API, with its answers mapped to ConnectorErrors: a 4xx is the
// authority's refusal (terminal, its message shown), a 5xx or a transport failure is retried.
// step-ca's errors are {"status": n, "message": "..."}.
import { ConnectorError } from "../connector.ts";
import type { FetchLike, HttpResponse } from "../shared/http.ts";

const MESSAGE_LIMIT = 300;

export interface StepcaFailure {
  status: number;
  message: string;
}

export class StepcaClient {
  private readonly base: string;
  private readonly fetch: FetchLike;

  constructor(baseUrl: string, fetch: FetchLike) {
    this.base = baseUrl.replace(/\/+$/, "");
    this.fetch = fetch;
  }

  /** The URL a token's audience names for an endpoint ("/1.0/sign"). */
  audience(path: string): string {
    return `${this.base}${path}`;
  }

  /** GET /health answers {"status":"ok"} when the authority is up. */
  async health(signal?: AbortSignal): Promise<void> {
    const res = await this.send("health", "GET", "/health", undefined, signal);
    const body = parseObject(await res.text(), "health", res.status);
    if (body.status !== "ok") throw new ConnectorError("ServerError", `health: step-ca answered status ${JSON.stringify(body.status ?? null).slice(0, 40)}`, true);
  }

  /** The PEM bundle of step-ca's roots (GET /roots.pem). */
  async rootsPem(signal?: AbortSignal): Promise<string> {
    return (await this.send("roots", "GET", "/roots.pem", undefined, signal)).text();
  }

  async post(operation: "sign" | "revoke", body: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const res = await this.send(operation, "POST", `/1.0/${operation}`, JSON.stringify(body), signal);
    return parseObject(await res.text(), operation, res.status);
  }

  /** The failure of a call whose 4xx the caller may accept (revoking an already revoked serial). */
  static failureOf(e: unknown): StepcaFailure | undefined {
    return e instanceof StepcaRefusal ? { status: e.status, message: e.serverMessage } : undefined;
  }

  private async send(operation: string, method: "GET" | "POST", path: string, body: string | undefined, signal: AbortSignal | undefined): Promise<HttpResponse> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: HttpResponse;
    try {
      res = await this.fetch(`${this.base}${path}`, { method, headers, body, signal });
    } catch (e) {
      // The transport's CATimeout, CAUnreachable or Cancelled, told which operation it was.
      if (e instanceof ConnectorError) throw new ConnectorError(e.reason, `${operation}: ${e.message}`, e.retryable);
      throw new ConnectorError("CAUnreachable", `${operation}: ${(e as Error).message}`.slice(0, MESSAGE_LIMIT), true);
    }
    if (res.status >= 200 && res.status <= 299) return res;
    const text = await res.text().catch(() => "");
    throw refusal(operation, res.status, serverMessage(text));
  }
}

/** A 4xx from step-ca, keeping its status and message for callers that accept some of them. */
class StepcaRefusal extends ConnectorError {
  readonly status: number;
  readonly serverMessage: string;
  constructor(reason: string, message: string, retryable: boolean, status: number, serverMessage: string) {
    super(reason, message, retryable);
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

function refusal(operation: string, status: number, server: string): ConnectorError {
  const message = `${operation}: step-ca answered HTTP ${status}: ${server}`.slice(0, MESSAGE_LIMIT);
  // Throttling passes; other 4xx answers stay the same until the request or the CA's configuration changes.
  if (status === 408 || status === 429) return new StepcaRefusal("RateLimited", message, true, status, server);
  if (status === 401) return new StepcaRefusal("Unauthorized", message, false, status, server);
  if (status === 403) return new StepcaRefusal("Refused", message, false, status, server);
  if (status >= 400 && status < 500) return new StepcaRefusal("Rejected", message, false, status, server);
  return new ConnectorError("ServerError", message, true);
}

function serverMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    const m = (body as { message?: unknown } | null)?.message;
    if (typeof m === "string" && m.trim()) return m.trim().slice(0, MESSAGE_LIMIT);
  } catch {
    // not JSON (a proxy in front of step-ca): the raw text is the best we have
  }
  return text.trim().slice(0, MESSAGE_LIMIT) || "(no message)";
}

function parseObject(text: string, operation: string, status: number): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through: a 2xx without a JSON object is not step-ca
  }
  throw new ConnectorError("InvalidResponse", `${operation}: step-ca answered ${status} without a JSON object`, true);
}
