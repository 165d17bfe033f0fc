// The Kubernetes side of the http-01 solver. Answers the leader publishes for the other
// replicas (one ConfigMap in the operator's namespace, one key per pending token: a follower
// behind the same Service answers from it), and the Ingress or Gateway API HTTPRoute created
// per challenge in the operator's namespace (a route may only point at a Service of its own
// namespace, and the solver Service lives there), deleted once the challenge is over.
import { createHash } from "node:crypto";
import { SOLVER_SERVICE_PORT, type Http01Solver } from "../api/acme-solvers.ts";
import type { Challenge } from "../connectors/acme/challenge-solver.ts";
import type { Http01Route, SharedAnswers } from "../connectors/acme/http01-responder.ts";
import type { KubeClient } from "./client.ts";
import { isAlreadyExists, isNotFound } from "./errors.ts";
import type { KubeObject } from "./objects.ts";
import { CONFIG_MAPS, type ResourceType } from "./resources.ts";

export const INGRESSES: ResourceType = { group: "networking.k8s.io", version: "v1", plural: "ingresses", kind: "Ingress", namespaced: true };
export const HTTP_ROUTES: ResourceType = { group: "gateway.networking.k8s.io", version: "v1", plural: "httproutes", kind: "HTTPRoute", namespaced: true };
const CHALLENGE_LABEL = "certwright.dev/acme-http01";
/** A key authorization is token.thumbprint: a few hundred bytes; refuse anything larger. */
const MAX_ANSWER = 1024;

export class ConfigMapSharedAnswers implements SharedAnswers {
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly name: string;

  constructor(client: KubeClient, namespace: string, name = "certwright-acme-http01") {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
  }

  async put(token: string, keyAuthorization: string): Promise<void> {
    // A merge patch adds one key without a read-modify-write; create the ConfigMap the first time.
    try {
      await this.client.patch(CONFIG_MAPS, this.namespace, this.name, { data: { [token]: keyAuthorization } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await this.client.create<KubeObject & { data: Record<string, string> }>(CONFIG_MAPS, {
          metadata: { name: this.name, namespace: this.namespace, labels: { [CHALLENGE_LABEL]: "answers" } },
          data: { [token]: keyAuthorization },
        });
      } catch (e2) {
        if (!isAlreadyExists(e2)) throw e2;
        await this.client.patch(CONFIG_MAPS, this.namespace, this.name, { data: { [token]: keyAuthorization } });
      }
    }
  }

  async remove(token: string): Promise<void> {
    try {
      await this.client.patch(CONFIG_MAPS, this.namespace, this.name, { data: { [token]: null } });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  async get(token: string): Promise<string | undefined> {
    const cm = await this.client.find<KubeObject & { data?: Record<string, string> }>(CONFIG_MAPS, this.namespace, this.name);
    const value = cm?.data?.[token];
    return value !== undefined && value.length <= MAX_ANSWER ? value : undefined;
  }
}

/** Object name per challenge: tokens are long and case-sensitive, names are neither. */
function routeName(token: string): string {
  return `certwright-acme-${createHash("sha256").update(token).digest("hex").slice(0, 20)}`;
}

const isIp = (v: string) => /^[0-9.]+$/.test(v) || v.includes(":");

export function kubeHttp01Routes(client: KubeClient, namespace: string): (solver: Http01Solver) => Http01Route | undefined {
  return (solver) => {
    const spec = solver.ingress ? { kind: INGRESSES, build: ingressOf(solver.ingress) } : solver.gatewayHTTPRoute ? { kind: HTTP_ROUTES, build: httpRouteOf(solver.gatewayHTTPRoute) } : undefined;
    if (!spec) return undefined;
    return {
      expose: async (c) => {
        try {
          const body = spec.build(c) as { metadata?: KubeObject["metadata"] };
          const metadata = { ...body.metadata, name: routeName(c.token), namespace, labels: { [CHALLENGE_LABEL]: "route" } };
          await client.create<KubeObject>(spec.kind, { ...body, metadata });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
      },
      withdraw: (c) => client.delete(spec.kind, namespace, routeName(c.token)),
    };
  };
}

type RouteBody = (c: Challenge) => Omit<KubeObject, "metadata">;

function ingressOf(i: NonNullable<Http01Solver["ingress"]>): RouteBody {
  return (c) => {
    const path = { path: `/.well-known/acme-challenge/${c.token}`, pathType: "Exact", backend: { service: { name: i.service.name, port: { number: i.service.port ?? SOLVER_SERVICE_PORT } } } };
    const host = isIp(c.identifier.value) ? {} : { host: c.identifier.value };
    return {
      ...(i.annotations ? { metadata: { annotations: i.annotations } } : {}),
      spec: { ...(i.className ? { ingressClassName: i.className } : {}), rules: [{ ...host, http: { paths: [path] } }] },
    } as Omit<KubeObject, "metadata">;
  };
}

function httpRouteOf(r: NonNullable<Http01Solver["gatewayHTTPRoute"]>): RouteBody {
  return (c) =>
    ({
      spec: {
        parentRefs: r.parentRefs,
        ...(isIp(c.identifier.value) ? {} : { hostnames: [c.identifier.value] }),
        rules: [{ matches: [{ path: { type: "Exact", value: `/.well-known/acme-challenge/${c.token}` } }], backendRefs: [{ name: r.service.name, port: r.service.port ?? SOLVER_SERVICE_PORT }] }],
      },
    }) as Omit<KubeObject, "metadata">;
}
