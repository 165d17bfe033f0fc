import { describe, expect, it } from "vitest";
import { ConnectorError } from "../connector.ts";
import { problemError } from "./problem.ts";

const acme = (type: string) => ({ type: `urn:ietf:params:acme:error:${type}`, detail: `${type} happened` });

describe("ACME problem documents", () => {
  it.each([
    ["badNonce", true],
    ["rateLimited", true],
    ["serverInternal", true],
    ["rejectedIdentifier", false],
    ["unauthorized", false],
    ["malformed", false],
  ])("%s becomes a ConnectorError with that reason, retryable %s", (type, retryable) => {
    const e = problemError(acme(type), 400);
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e).toMatchObject({ reason: type, retryable, message: `ACME server: ${type} happened` });
  });

  it("names the subproblems, and treats a bare 5xx as retryable", () => {
    const e = problemError({ ...acme("rejectedIdentifier"), subproblems: [acme("malformed")] }, 400);
    expect(e.message).toBe("ACME server: rejectedIdentifier happened; malformed: malformed happened");
    expect(problemError({}, 503)).toMatchObject({ reason: "HTTPError", retryable: true });
    expect(problemError({}, 404)).toMatchObject({ reason: "HTTPError", retryable: false });
  });
});
