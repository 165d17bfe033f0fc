// One place that turns an RA profile's authority into a connector: an exhaustive switch, so
// adding an authority type without a connector is a compile error.
import type { Authority } from "../api/ra-profile.ts";
import type { Connector, SecretStore } from "./connector.ts";
import { AcmeConnector } from "./acme/acme-connector.ts";
import { HttpConnector } from "./http/http-connector.ts";
import { LocalConnector } from "./local/local-connector.ts";
import { ManualConnector } from "./manual/manual-connector.ts";

export function createConnector(authority: Authority, store: SecretStore, now: () => Date): Connector {
  switch (authority.type) {
    case "local":
      return new LocalConnector(authority.local, store, now);
    case "acme":
      return new AcmeConnector(authority.acme, store, now);
    case "manual":
      return new ManualConnector(authority.manual);
    case "http":
      return new HttpConnector(authority.http, store, now);
    default: {
      const never: never = authority;
      throw new Error(`unknown authority type ${String((never as { type?: unknown }).type)}`);
    }
  }
}
