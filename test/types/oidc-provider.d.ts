// The part of oidc-provider's API the integration test uses (the package ships no types).
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";
  import type { TLSSocket } from "node:tls";

  export interface ProviderContext {
    socket: TLSSocket;
  }

  export interface ClientMetadata {
    client_id: string;
    [key: string]: unknown;
  }

  export interface Configuration {
    clients?: ClientMetadata[];
    clientAuthMethods?: string[];
    fetch?: (url: string | URL, options: RequestInit) => Promise<Response>;
    features?: {
      clientCredentials?: { enabled: boolean };
      mTLS?: {
        enabled: boolean;
        certificateBoundAccessTokens?: boolean;
        tlsClientAuth?: boolean;
        getCertificate(ctx: ProviderContext): unknown;
        certificateAuthorized(ctx: ProviderContext): boolean;
        certificateSubjectMatches(ctx: ProviderContext, property: string, expected: string): boolean;
      };
    };
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (ctx: unknown, err: Error) => void): this;
    Client: { find(id: string): Promise<object | undefined> };
    ClientCredentials: { find(token: string): Promise<Record<string, unknown> | undefined> };
  }
}
