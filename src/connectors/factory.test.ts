import { describe, expect, it } from "vitest";
import { ConnectorError } from "./connector.ts";
import { createConnector } from "./factory.ts";
import type { HttpClientOptions } from "./shared/http.ts";
import { MemorySecretStore } from "./testing/conformance.ts";

describe("createConnector", () => {
  it("builds the http connector's client through the injected factory, with the profile's timeouts", async () => {
    const built: HttpClientOptions[] = [];
    const urls: string[] = [];
    const connector = createConnector(
      { type: "http", http: { url: "https://ca.example", authorityUuid: "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f", timeouts: { headers: "2m", body: "5s" } } },
      new MemorySecretStore(),
      () => new Date(),
      {
        http: (opts) => {
          built.push(opts);
          return (url) => {
            urls.push(url);
            return Promise.reject(new ConnectorError("CATimeout", "fake", true));
          };
        },
      },
    );
    // prepare asks the connector for its attribute definitions first: over the same client.
    await expect(connector.prepare()).rejects.toMatchObject({ reason: "CATimeout" });
    await expect(connector.issue({ csrPem: "-----BEGIN CERTIFICATE REQUEST-----\nMAA=\n-----END CERTIFICATE REQUEST-----\n" } as never)).rejects.toMatchObject({
      reason: "CATimeout",
    });
    expect(built).toEqual([{ caPem: undefined, clientCertificate: undefined, timeouts: { connectMs: 10_000, headersMs: 120_000, bodyMs: 5000 } }]);
    expect(urls).toEqual(["https://ca.example/v1/authorityProvider/authorities/5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/raProfile/attributes", "https://ca.example/v2/authorityProvider/authorities/5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/certificates/issue"]);
  });

  it("builds the acme connector's client through the injected factory too", async () => {
    const built: HttpClientOptions[] = [];
    const connector = createConnector(
      { type: "acme", acme: { server: "https://acme.example/dir", accountKeySecretRef: { name: "acct", key: "tls.key" } } },
      new MemorySecretStore(),
      () => new Date(),
      {
        http: (opts) => {
          built.push(opts);
          return () => Promise.reject(new ConnectorError("CAUnreachable", "fake", true));
        },
      },
    );
    await expect(connector.prepare()).rejects.toMatchObject({ reason: "CAUnreachable" });
    expect(built).toEqual([{ caPem: undefined, timeouts: { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 } }]);
  });
});
