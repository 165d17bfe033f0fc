// The HTTP client the ACME connector uses: injected in tests, otherwise undici's fetch, with the
// profile's CA bundle as the only trust when one is given (private ACME servers, pebble).
import { Agent, fetch as undiciFetch } from "undici";

export interface HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export interface HttpRequest {
  method: "GET" | "HEAD" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

export type FetchLike = (url: string, init: HttpRequest) => Promise<HttpResponse>;

/** A fetch trusting only `caPem` when given, the system roots otherwise. */
export function httpClient(caPem: string | undefined): FetchLike {
  const dispatcher = caPem ? new Agent({ connect: { ca: caPem } }) : undefined;
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}
