// One place that turns an RA profile's authority into a connector: an exhaustive switch, so
// adding an authority type without a connector is a compile error. What the connectors need
// from outside (the HTTP client) comes in here, so tests can pass their own.
import type { Authority } from "../api/ra-profile.ts";
import type { Connector, SecretStore } from "./connector.ts";
import { AcmeConnector } from "./acme/acme-connector.ts";
import type { Http01Responder, Http01Route } from "./acme/http01-responder.ts";
import type { Http01Solver } from "../api/acme-solvers.ts";
import { HttpConnector } from "./http/http-connector.ts";
import { LocalConnector } from "./local/local-connector.ts";
import { ManualConnector } from "./manual/manual-connector.ts";
import { StepcaConnector } from "./stepca/stepca-connector.ts";
import { undiciHttpClient, type HttpClientFactory } from "./shared/http.ts";

export interface ConnectorDeps {
  /** Builds the HTTP client of the acme and http connectors (default: undici with the profile's timeouts). */
  http?: HttpClientFactory;
  /** The operator's http-01 listener, for acme profiles with solvers.http01. */
  acmeHttp01?: Http01Responder;
  /** Builds the per-challenge Ingress/HTTPRoute a profile's solvers.http01 asks for. */
  acmeHttp01Routes?: (solver: Http01Solver) => Http01Route | undefined;
}

export function createConnector(authority: Authority, store: SecretStore, now: () => Date, deps: ConnectorDeps = {}): Connector {
  const http = deps.http ?? undiciHttpClient;
  switch (authority.type) {
    case "local":
      return new LocalConnector(authority.local, store, now);
    case "acme":
      return new AcmeConnector(authority.acme, store, now, { http, http01: deps.acmeHttp01, http01Route: deps.acmeHttp01Routes });
    case "manual":
      return new ManualConnector(authority.manual);
    case "http":
      return new HttpConnector(authority.http, store, now, { http });
    case "stepca":
      return new StepcaConnector(authority.stepca, store, now, { http });
    default: {
      const never: never = authority;
      throw new Error(`unknown authority type ${String((never as { type?: unknown }).type)}`);
    }
  }
}
