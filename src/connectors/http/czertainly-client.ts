// JSON over HTTP to one authority of a CZERTAINLY v2 authority-provider connector, with the
// connector's answers mapped to ConnectorErrors: a 4xx is a refusal showing the connector's own
// message (not retried), a 5xx, a timeout or a connection failure is retried. The bearer token
// never reaches a message.
import { ConnectorError } from "../connector.ts";
import type { FetchLike, HttpResponse } from "../shared/http.ts";

const MESSAGE_LIMIT = 300;

export interface CzertainlyClientOptions {
  baseUrl: string;
  authorityUuid: string;
  fetch: FetchLike;
  token?: string | undefined;
}

/** The calls certwright makes, named by what they do; each maps to one path of the contract. */
export type Operation = "issue" | "renew" | "revoke" | "caCertificates" | "raProfileAttributes" | "validateRaProfileAttributes" | "health";

/** A connector that does not implement an optional endpoint answers 404 (or 405/501). */
export class EndpointMissing extends ConnectorError {
  constructor(operation: Operation, status: number) {
    super("NotSupported", `${operation}: the connector does not implement it (HTTP ${status})`, false);
  }
}

export class CzertainlyClient {
  private readonly root: string;
  private readonly authority: string;
  private readonly options: CzertainlyClientOptions;

  constructor(options: CzertainlyClientOptions) {
    this.options = options;
    this.root = options.baseUrl.replace(/\/+$/, "");
    this.authority = encodeURIComponent(options.authorityUuid);
  }

  private pathOf(operation: Operation): string {
    const v2 = `/v2/authorityProvider/authorities/${this.authority}/certificates`;
    const v1 = `/v1/authorityProvider/authorities/${this.authority}`;
    switch (operation) {
      case "issue":
      case "renew":
      case "revoke":
        return `${v2}/${operation}`;
      case "caCertificates":
        return `${v1}/caCertificates`;
      case "raProfileAttributes":
        return `${v1}/raProfile/attributes`;
      case "validateRaProfileAttributes":
        return `${v1}/raProfile/attributes/validate`;
      case "health":
        return "/v1/health";
    }
  }

  /** GET /v1/health: any 2xx answer is healthy; an unhealthy connector recovers by itself. */
  async health(signal?: AbortSignal): Promise<void> {
    try {
      await this.call("health", undefined, signal);
    } catch (e) {
      if (e instanceof ConnectorError && e.reason === "Rejected") throw new ConnectorError(e.reason, e.message, true);
      throw e;
    }
  }

  /** Sends a request (POST with a body, GET without); returns the parsed JSON answer (undefined when empty). */
  async call(operation: Operation, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let res: HttpResponse;
    try {
      const init = body === undefined ? { method: "GET" as const, headers, signal } : { method: "POST" as const, headers, body: JSON.stringify(body), signal };
      res = await this.options.fetch(`${this.root}${this.pathOf(operation)}`, init);
    } catch (e) {
      throw this.transportFailure(operation, e);
    }
    const text = await res.text().catch(() => "");
    if (res.status < 200 || res.status > 299) throw this.failure(operation, res.status, text);
    if (text.trim() === "") return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ConnectorError("InvalidResponse", `${operation}: the connector answered ${res.status} with a body that is not JSON`, true);
    }
  }

  /** The transport's CATimeout, CAUnreachable, ConnectionDropped or Cancelled, told which operation it was. */
  private transportFailure(operation: Operation, e: unknown): ConnectorError {
    if (!(e instanceof ConnectorError)) {
      const cause = (e as { cause?: { message?: string } }).cause?.message;
      return new ConnectorError("CAUnreachable", this.scrub(`${operation}: ${(e as Error).message}${cause ? ` (${cause})` : ""}`), true);
    }
    let message = `${operation}: ${e.message}`;
    if (e.reason === "ConnectionDropped" && operation !== "health") {
      // What the Vault connector does with content of the wrong type: say so, or the cause stays hidden.
      message += "; CZERTAINLY connectors drop the request when an attribute's content does not match the type they define for it: check the contentType of each attribute against the connector's attribute definitions";
    }
    return new ConnectorError(e.reason, this.scrub(message), e.retryable);
  }

  private failure(operation: Operation, status: number, text: string): ConnectorError {
    if ((status === 404 || status === 405 || status === 501) && isOptional(operation)) return new EndpointMissing(operation, status);
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

/** Endpoints not every connector implements: their absence is not an error of the request. */
function isOptional(operation: Operation): boolean {
  return operation === "caCertificates" || operation === "raProfileAttributes" || operation === "validateRaProfileAttributes";
}

/**
 * The connector's own words: CZERTAINLY errors are { "message": ... }, a JSON array of strings
 * (validation, 422) or, from the Go connectors, a JSON string.
 */
export function serverMessage(text: string): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "string" && body.trim()) return body.trim();
    if (Array.isArray(body)) return body.map(String).join("; ");
    if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string") {
      return (body as { message: string }).message;
    }
  } catch {
    // not JSON: the raw text is the best we have
  }
  return text.trim() || "(no message)";
}
