// ACME problem documents (RFC 8555 §6.7, RFC 7807) as ConnectorErrors: the problem type is the
// reason, so conditions name what the server said; retryable only when waiting can help.
import { ConnectorError } from "../connector.ts";

const ACME_ERROR_PREFIX = "urn:ietf:params:acme:error:";

/** Problems a later attempt may get past; everything else waits for a change of spec or account. */
const RETRYABLE = new Set(["badNonce", "rateLimited", "serverInternal", "connection", "dns"]);

export interface ProblemDocument {
  type?: string;
  detail?: string;
  status?: number;
  subproblems?: ProblemDocument[];
}

/** "urn:ietf:params:acme:error:rateLimited" -> "rateLimited"; other URIs stay as they are. */
export function problemType(problem: ProblemDocument): string {
  const type = problem.type ?? "HTTPError";
  return type.startsWith(ACME_ERROR_PREFIX) ? type.slice(ACME_ERROR_PREFIX.length) : type;
}

export function problemError(problem: ProblemDocument, httpStatus: number): ConnectorError {
  const type = problemType(problem);
  const sub = (problem.subproblems ?? []).map((s) => `${problemType(s)}: ${s.detail ?? ""}`.trim());
  const detail = [problem.detail ?? `HTTP ${httpStatus}`, ...sub].join("; ");
  return new ConnectorError(type, `ACME server: ${detail}`, RETRYABLE.has(type) || (!problem.type && httpStatus >= 500));
}
