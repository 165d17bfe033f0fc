// The hand-off connector for CA portals where a person uploads the CSR (Raidiam Connect, Thredd):
// the operator publishes the CSR next to the Certificate and validates the certificate handed
// back. It cannot issue, revoke or publish CRLs by itself, and says so.
import { unsupported, type Capability, type Connector, type IssuedCertificate, type PublishedCrl } from "../connector.ts";

export interface ManualAuthorityConfig {
  instructions?: string;
}

export class ManualConnector implements Connector {
  readonly type = "manual";
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(["issue", "renew"]);
  // The portal decides validity and subject; only names and key are checked on hand-back.
  readonly exactIssuance = false;
  readonly handOff = true;
  readonly instructions: string | undefined;

  constructor(config: ManualAuthorityConfig) {
    this.instructions = config.instructions;
  }

  /** A person is the authority here: there is nothing to ask. */
  probe(): Promise<void> {
    return Promise.resolve();
  }

  prepare(): Promise<{ caPem: string }> {
    return Promise.resolve({ caPem: "" });
  }

  issue(): Promise<IssuedCertificate> {
    return Promise.reject(unsupported(this.type, "issue"));
  }

  revoke(): Promise<void> {
    return Promise.reject(unsupported(this.type, "revoke"));
  }

  crl(): Promise<PublishedCrl> {
    return Promise.reject(unsupported(this.type, "crl"));
  }

  revokedCount(): Promise<number> {
    return Promise.reject(unsupported(this.type, "crl"));
  }
}
