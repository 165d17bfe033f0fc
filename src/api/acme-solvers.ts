// How the acme connector proves control of the names it orders: http-01 answered by the
// operator's own listener (reached through the chart's Service, plus an Ingress or HTTPRoute
// per challenge when asked), dns-01 through RFC 2136 dynamic updates signed with TSIG, and
// the external account binding some CAs require before they open an account.
import { z } from "zod";
import { withRules } from "./cel-rules.ts";
import { objectName, secretKeySelector, stringMap } from "./common.ts";

const hostPort = z
  .string()
  .min(3)
  .max(261)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$/, { message: "must be host or host:port" });

const zoneName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^([A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([-A-Za-z0-9_]*[A-Za-z0-9_])?\.?$/, { message: "must be a DNS zone name" });

const serviceRef = z
  .object({
    name: objectName.describe("Service in the operator's namespace that selects the operator's Pods on the solver port (the chart creates <release>-acme-solver)."),
    port: z.int().min(1).max(65535).optional().describe("Port of that Service (the chart's acmeSolver.service.port); 8089 when unset."),
  })
  .describe("Where the per-challenge route sends traffic.");

export const http01SolverSchema = withRules(
  z.object({
    ingress: z
      .object({
        className: z.string().min(1).max(253).optional().describe("spec.ingressClassName of the Ingress created per challenge."),
        service: serviceRef,
        annotations: stringMap.optional().describe("Annotations of the Ingress created per challenge."),
      })
      .optional()
      .describe(
        "Create an Ingress per challenge (host = the name being validated, path /.well-known/acme-challenge/<token>) in the operator's namespace, next to the solver Service, deleted when the challenge is over.",
      ),
    gatewayHTTPRoute: z
      .object({
        parentRefs: z
          .array(
            z.object({
              name: objectName.describe("Name of the Gateway."),
              namespace: objectName.optional().describe("Namespace of the Gateway; the route's own when unset."),
              sectionName: z.string().min(1).max(253).optional().describe("Listener of the Gateway."),
            }),
          )
          .min(1)
          .max(8)
          .describe("Gateways the HTTPRoute attaches to."),
        service: serviceRef,
      })
      .optional()
      .describe("Create a Gateway API HTTPRoute (gateway.networking.k8s.io/v1) per challenge in the operator's namespace, next to the solver Service, deleted when the challenge is over."),
  }),
  [
    {
      rule: "!(has(self.ingress) && has(self.gatewayHTTPRoute))",
      message: "set at most one of ingress and gatewayHTTPRoute",
      holds: (s) => !(s.ingress && s.gatewayHTTPRoute),
    },
  ],
).describe(
  "Answer http-01 on the operator's solver port (--acme-http01-port, default 8089). With neither ingress nor gatewayHTTPRoute the user routes http://<name>/.well-known/acme-challenge/ to it.",
);

export const dns01SolverSchema = z
  .object({
    rfc2136: z
      .object({
        nameserver: hostPort.describe("Authoritative server that accepts the dynamic updates, host or host:port (port 53 when unset)."),
        zone: zoneName.describe("The zone the updates go to; every ordered name must lie in it."),
        tsigKeyName: zoneName.describe("Name of the TSIG key, as configured on the server."),
        tsigAlgorithm: z.literal("hmac-sha256").default("hmac-sha256").describe("TSIG algorithm (RFC 8945); HMAC-SHA256 only."),
        tsigSecretSecretRef: secretKeySelector.describe("Secret key holding the TSIG secret, base64 as in BIND's key file."),
        ttl: z.int().min(1).max(3600).optional().describe("TTL of the TXT record created per challenge, in seconds; 60 when unset."),
        propagationTimeoutSeconds: z
          .number()
          .int()
          .min(1)
          .max(3600)
          .optional()
          .describe("How long to wait, in seconds, for the authoritative server to answer the TXT record before the attempt fails (and retries); 120 when unset."),
      })
      .describe("RFC 2136 dynamic DNS updates signed with TSIG: BIND, Knot, PowerDNS, Windows DNS and most authoritative servers."),
  })
  .describe("Answer dns-01 by creating _acme-challenge.<name> TXT records, removed once the challenge is over.");

export const acmeSolversSchema = withRules(
  z.object({
    http01: http01SolverSchema.optional(),
    dns01: dns01SolverSchema.optional(),
  }),
  [
    {
      rule: "has(self.http01) || has(self.dns01)",
      message: "set http01, dns01 or both",
      holds: (s) => Boolean(s.http01 || s.dns01),
    },
  ],
).describe(
  "How challenges are answered. With both, dns-01 is used where the CA offers it (always for wildcards), http-01 otherwise. Unset: the server must validate by itself (test servers) or fails the order.",
);

export const externalAccountBindingSchema = z
  .object({
    keyID: z.string().min(1).max(256).describe("Key identifier the CA handed out with the MAC key."),
    keySecretRef: secretKeySelector.describe("Secret key holding the MAC key, base64url as the CA hands it out (HMAC-SHA256)."),
  })
  .describe("External account binding (RFC 8555 §7.3.4), needed by CAs that tie ACME accounts to an account of theirs.");

// Integer defaults live here, not in the CRD (its defaults are strings and booleans only).
export const SOLVER_SERVICE_PORT = 8089;
export const DNS01_TTL_SECONDS = 60;
export const DNS01_PROPAGATION_TIMEOUT_SECONDS = 120;

export type AcmeSolvers = z.output<typeof acmeSolversSchema>;
export type Http01Solver = z.output<typeof http01SolverSchema>;
export type ExternalAccountBinding = z.output<typeof externalAccountBindingSchema>;
