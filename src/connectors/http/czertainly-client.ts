// JSON over HTTP to one authority of a CZERTAINLY v2 authority-provider connector, with the
// connector's answers mapped to ConnectorErrors. The bearer token never reaches a message.
import { ConnectorError } from "../connector.ts";
import type { FetchLike, HttpResponse } from "../shared/http.ts";

const MESSAGE_LIMIT = 300;

export interface CzertainlyClientOptions {
  baseUrl: string;
  authorityUuid: string;
  fetch: FetchLike;
  token?: string | undefined;
}

export class CzertainlyClient {
  private readonly base: string;
  private readonly options: CzertainlyClientOptions;

  constructor(options: CzertainlyClientOptions) {
    this.options = options;
    const root = options.baseUrl.replace(/\/+$/, "");
    this.base = `${root}/v2/authorityProvider/authorities/${encodeURIComponent(options.authorityUuid)}/certificates`;
  }

  /** GET /v1/health of the connector: any 2xx answer is healthy. */
  async health(signal?: AbortSignal): Promise<void> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/v1/health`;
    let res: HttpResponse;
    try {
      res = await this.options.fetch(url, { method: "GET", headers: { accept: "application/json" }, signal });
    } catch (e) {
      if (e instanceof ConnectorError) throw new ConnectorError(e.reason, this.scrub(`health: ${e.message}`), e.retryable);
      throw new ConnectorError("CAUnreachable", this.scrub(`health: ${(e as Error).message}`), true);
    }
    const text = await res.text().catch(() => "");
    if (res.status < 200 || res.status > 299) {
      const failure = this.failure("health", res.status, text);
      // An unhealthy connector recovers by itself: the probe keeps asking.
      throw new ConnectorError(failure.reason, failure.message, failure.reason !== "Unauthorized");
    }
  }

  /** POSTs to certificates/{operation}; returns the parsed JSON body ({} when there is none). */
  async post(operation: "issue" | "renew" | "revoke", body: unknown, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let res: HttpResponse;
    try {
      res = await this.options.fetch(`${this.base}/${operation}`, { method: "POST", headers, body: JSON.stringify(body), signal });
    } catch (e) {
      // The transport's CATimeout, CAUnreachable or Cancelled, told which operation it was.
      if (e instanceof ConnectorError) throw new ConnectorError(e.reason, this.scrub(`${operation}: ${e.message}`), e.retryable);
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      throw new ConnectorError("CAUnreachable", this.scrub(`${operation}: ${(e as Error).message}${cause ? ` (${cause})` : ""}`), true);
    }
    const text = await res.text().catch(() => "");
    if (res.status < 200 || res.status > 299) throw this.failure(operation, res.status, text);
    if (text.trim() === "") return {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // fall through: a non-JSON 2xx body is a broken connector
    }
    throw new ConnectorError("InvalidResponse", `${operation}: the connector answered ${res.status} without a JSON object`, true);
  }

  private failure(operation: string, status: number, text: string): ConnectorError {
    const message = this.scrub(`${operation}: HTTP ${status}: ${serverMessage(text)}`).slice(0, MESSAGE_LIMIT);
    if (status === 401 || status === 403) return new ConnectorError("Unauthorized", message, false);
    // Throttling and timeouts pass; other 4xx answers stay the same until the request changes.
    if (status === 408 || status === 429) return new ConnectorError("RateLimited", message, true);
    if (status >= 400 && status < 500) return new ConnectorError("Rejected", message, false);
    return new ConnectorError("ServerError", message, true);
  }

  /** Servers sometimes echo request headers into errors: make sure the token is not passed on. */
  private scrub(message: string): string {
    const token = this.options.token;
    return token ? message.split(token).join("***") : message;
  }
}

/** CZERTAINLY errors are { "message": ... } or, for validation (422), a JSON array of strings. */
function serverMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (Array.isArray(body)) return body.map(String).join("; ");
    if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string") {
      return (body as { message: string }).message;
    }
  } catch {
    // not JSON: the raw text is the best we have
  }
  return text.trim() || "(no message)";
}
