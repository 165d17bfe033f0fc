// Wires informers, reconcilers and controllers into one Manager. main.ts and the integration
// tests both build the operator here; only the clock, the client and the options differ.
import { mostUrgentFirst } from "./controllers/resync-order.ts";
import type { ConnectorDeps } from "./connectors/factory.ts";
import type { KubeClient } from "./kube/client.ts";
import { CERTIFICATES, CLUSTER_RA_PROFILES, RA_PROFILES } from "./kube/certwright-resources.ts";
import { kubeEventWriter } from "./kube/event-writer.ts";
import { FreshView } from "./kube/fresh-view.ts";
import { Informer } from "./kube/informer.ts";
import { keyOf, type KubeObject, type SecretObject } from "./kube/objects.ts";
import { NAMESPACES, SECRETS } from "./kube/resources.ts";
import type { Logger } from "./observability/logger.ts";
import type { Metrics } from "./observability/metrics.ts";
import type { Clock } from "./runtime/clock.ts";
import { Controller, type Reconciler } from "./runtime/controller.ts";
import { EventRecorder } from "./runtime/events.ts";
import { Manager, type LeaderGate } from "./runtime/manager.ts";
import { WorkQueue } from "./runtime/work-queue.ts";
import { CertificateReconciler } from "./controllers/certificate/certificate-reconciler.ts";
import { CERTIFICATE_NAME_LABEL } from "./controllers/certificate/ownership.ts";
import { certificateDirectory } from "./controllers/certificate/secret-uses.ts";
import { ConnectorRegistry } from "./controllers/connector-registry.ts";
import { CrlPublisher } from "./controllers/profiles/crl-publisher.ts";
import { ProfileReconciler } from "./controllers/profiles/profile-reconciler.ts";
import type { ProfileLookup } from "./controllers/profiles/resolve-profile.ts";
import { buildTrustController } from "./controllers/trust/trust-controller.ts";
import { JwksPublisher } from "./controllers/jwks/jwks-publisher.ts";
import { ocspRoute } from "./controllers/ocsp/ocsp-route.ts";
import type { PublicRoute } from "./observability/public-server.ts";

export interface OperatorOptions {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  metrics?: Metrics;
  /** Watch one namespace only; undefined watches all. */
  namespace?: string;
  clusterResourceNamespace: string;
  workers?: number;
  /** With one, every write of o.client passes its fence (KubeRest.fence) and controllers run per term. */
  leaderGate?: LeaderGate;
  /** Called on each loss of leadership; the manager goes back to candidate by itself. */
  onLeadershipLost?: () => void;
  instance?: string;
  /** What every connector is built with, e.g. an HTTP client factory (tests). */
  connectorDeps?: ConnectorDeps;
  /** How long a superseded key stays in a published JWK Set after a rekey (default 24h). */
  jwksOverlapMs?: number;
}

export interface Operator {
  manager: Manager;
  /** CRLs served over HTTP: path -> DER. */
  crls: CrlPublisher;
  /** What the public listener serves: /jwks/*, /ocsp/*, /crl/*. */
  publicRoutes: Record<string, PublicRoute>;
  events: EventRecorder;
  /** Looks at this Certificate again now (namespace/name), as an informer event would. */
  enqueueCertificate(key: string): void;
  /** Reconciles of this Certificate started and finished so far (tests prove "nothing happened" with it). */
  certificateReconciles(key: string): { started: number; finished: number };
  /** Every controller is idle: what a clock jump set off has finished (tests on a fake clock wait for it). */
  idle(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface RefSpec {
  spec?: { raProfileRef?: { name?: string; kind?: string }; secretName?: string };
}

/** The Certificates that name this profile. */
function usersOf(certificates: KubeObject[], kind: string, namespace: string | undefined, name: string): KubeObject[] {
  return certificates.filter((c) => {
    const ref = (c as RefSpec).spec?.raProfileRef;
    const sameNs = kind === "ClusterRAProfile" || c.metadata.namespace === namespace;
    return ref?.name === name && (ref.kind ?? "RAProfile") === kind && sameNs;
  });
}

export function createOperator(o: OperatorOptions): Operator {
  // Events, Secrets, status: every write leaves only while the lease is surely ours.
  const fence = o.leaderGate?.fence;
  if (fence) o.client.rest.fence = fence;
  const onError = (err: unknown) => o.log.warn({ err: (err as Error).message }, "watch interrupted; re-listing");
  const scope = { namespace: o.namespace, onError };
  const certificates = new Informer<KubeObject>(o.client, CERTIFICATES, scope);
  const raProfiles = new Informer<KubeObject>(o.client, RA_PROFILES, scope);
  const clusterProfiles = new Informer<KubeObject>(o.client, CLUSTER_RA_PROFILES, { onError });
  const namespaces = new Informer<KubeObject>(o.client, NAMESPACES, { onError });
  // Only Secrets we own: never cache every Secret of the cluster.
  const secrets = new Informer<SecretObject>(o.client, SECRETS, { ...scope, labelSelector: CERTIFICATE_NAME_LABEL });

  const events = new EventRecorder({ writer: kubeEventWriter(o.client, o.instance ?? "certwright"), clock: o.clock, log: o.log });
  const connectors = new ConnectorRegistry(o.client, () => o.clock.now(), o.connectorDeps, o.metrics);
  const crls = new CrlPublisher(o.client, o.clusterResourceNamespace, () => o.clock.now(), o.metrics);
  const profileControllers = new Map<string, Controller>();
  const lookup: ProfileLookup = {
    raProfile: (ns, name) => raProfiles.get(`${ns}/${name}`),
    clusterRAProfile: (name) => clusterProfiles.get(name),
    namespaceLabels: (ns) => namespaces.get(ns)?.metadata.labels,
    clusterResourceNamespace: o.clusterResourceNamespace,
  };
  const certView = new FreshView<KubeObject>((k) => certificates.get(k));
  const secretView = new FreshView<SecretObject>((k) => secrets.get(k));
  certificates.addHandlers({ onDelete: (c) => certView.forget(keyOf(c)) });
  secrets.addHandlers({ onDelete: (s) => secretView.forget(keyOf(s)) });
  const certQueue = new WorkQueue({ clock: o.clock });
  const reconciled = new Map<string, { started: number; finished: number }>();
  const certController = new Controller({
    name: "certificate",
    queue: certQueue,
    workers: o.workers ?? 4,
    log: o.log,
    metrics: o.metrics,
    fence,
    resync: () => mostUrgentFirst(certificates.list()).map(keyOf),
    reconciler: counted(reconciled, new CertificateReconciler({
      client: o.client, certificates: certView, secrets: secretView, profiles: lookup, connectors, clock: o.clock, events, metrics: o.metrics,
      directory: certificateDirectory({ raProfiles: (ns) => raProfiles.list(ns), clusterRAProfiles: () => clusterProfiles.list(), certificates: (ns) => certificates.list(ns), clusterResourceNamespace: o.clusterResourceNamespace }),
      // A revocation makes the profile's CRL stale: let its reconciler publish a new one.
      onRevoked: (p) => profileControllers.get(p.kind)?.enqueue(profileKey(p)),
      onAuthorityFailing: (p) => profileControllers.get(p.kind)?.enqueue(profileKey(p)),
    })),
  });
  const enqueueUsers = (kind: string, namespace: string | undefined, name: string) => {
    for (const c of usersOf(certificates.list(), kind, namespace, name)) certController.enqueue(keyOf(c));
  };
  const profileController = (kind: ProfileKind, informer: Informer<KubeObject>) => {
    const c = buildProfileController(o, { kind, informer, connectors, crls, enqueueUsers, events });
    profileControllers.set(kind, c);
    return c;
  };
  const raController = profileController("RAProfile", raProfiles);
  const clusterController = profileController("ClusterRAProfile", clusterProfiles);

  const trust = buildTrustController({ ...o, scope, fence, raProfiles, clusterProfiles, namespaces, onlyNamespace: o.namespace, events });

  routeCertificateEvents(certificates, secrets, namespaces, (key) => certController.enqueue(key));

  const jwks = new JwksPublisher({ client: o.client, certificates, secrets, clock: o.clock, overlapMs: o.jwksOverlapMs });
  const jwksController = buildJwksController(o, jwks, certificates, secrets);
  const publicRoutes = buildPublicRoutes(o, { jwks, crls, connectors, raProfiles, clusterProfiles, certificates });

  const controllers = [raController, clusterController, certController, trust.controller, jwksController];
  const manager = new Manager({
    sources: [certificates, raProfiles, clusterProfiles, namespaces, secrets, trust.configMaps],
    controllers,
    log: o.log,
    clock: o.clock,
    leaderGate: o.leaderGate,
    onLeadershipLost: o.onLeadershipLost,
    metrics: o.metrics,
  });
  return {
    manager,
    events,
    crls,
    publicRoutes,
    enqueueCertificate: (key) => certController.enqueue(key),
    certificateReconciles: (key) => reconciled.get(key) ?? { started: 0, finished: 0 },
    idle: () => controllers.every((c) => c.idle()),
    start: () => manager.start(),
    stop: async () => {
      await manager.stop();
      await events.flush();
    },
  };
}

function readyOf(o: KubeObject): string | undefined {
  return (o as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions?.find((x) => x.type === "Ready")?.status;
}

function profileKey(p: { kind: string; secretNamespace: string; name: string }): string {
  return p.kind === "RAProfile" ? `${p.secretNamespace}/${p.name}` : p.name;
}

/** Counts started and finished reconciles per key. */
function counted(counts: Map<string, { started: number; finished: number }>, inner: Reconciler): Reconciler {
  return {
    async reconcile(key, rc) {
      const c = counts.get(key) ?? { started: 0, finished: 0 };
      counts.set(key, c);
      c.started++;
      try {
        return await inner.reconcile(key, rc);
      } finally {
        c.finished++;
      }
    },
  };
}

/** Which Certificate to look at again when a Certificate, its Secret or its namespace changes. */
function routeCertificateEvents(
  certificates: Informer<KubeObject>,
  secrets: Informer<SecretObject>,
  namespaces: Informer<KubeObject>,
  enqueue: (key: string) => void,
): void {
  certificates.addHandlers({
    onAdd: (c) => enqueue(keyOf(c)),
    // Our own status writes come back as updates: only spec and metadata changes matter.
    onUpdate: (a, b) => {
      if (a.metadata.generation !== b.metadata.generation || a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp) {
        enqueue(keyOf(b));
      }
    },
    onDelete: (c) => {
      enqueue(keyOf(c));
      // A Certificate refused because this one owned its Secret may take the Secret over now.
      const secretName = (c as RefSpec).spec?.secretName;
      for (const other of certificates.list(c.metadata.namespace)) {
        if ((other as RefSpec).spec?.secretName === secretName) enqueue(keyOf(other));
      }
    },
  });
  const secretOwner = (s: SecretObject) => {
    const name = s.metadata.labels?.[CERTIFICATE_NAME_LABEL];
    if (name) enqueue(`${s.metadata.namespace}/${name}`);
  };
  secrets.addHandlers({ onAdd: secretOwner, onUpdate: (_a, b) => secretOwner(b), onDelete: secretOwner });
  // Namespace labels decide which ClusterRAProfiles a namespace may use.
  namespaces.addHandlers({
    onUpdate: (_a, ns) => {
      for (const c of certificates.list(ns.metadata.name)) enqueue(keyOf(c));
    },
  });
}

type ProfileKind = "RAProfile" | "ClusterRAProfile";

interface ProfileControllerParts {
  kind: ProfileKind;
  informer: Informer<KubeObject>;
  connectors: ConnectorRegistry;
  crls: CrlPublisher;
  /** Re-checks the Certificates that use a profile. */
  enqueueUsers: (kind: string, namespace: string | undefined, name: string) => void;
  events: EventRecorder;
}

/** One controller per profile kind; a spec change re-checks the profile and its Certificates. */
function buildProfileController(o: OperatorOptions, p: ProfileControllerParts): Controller {
  const c = new Controller({
    name: p.kind.toLowerCase(),
    queue: new WorkQueue({ clock: o.clock }),
    workers: 1,
    log: o.log,
    metrics: o.metrics,
    fence: o.leaderGate?.fence,
    resync: () => p.informer.list().map(keyOf),
    reconciler: new ProfileReconciler({
      kind: p.kind, resource: p.kind === "RAProfile" ? RA_PROFILES : CLUSTER_RA_PROFILES, informer: p.informer, client: o.client,
      connectors: p.connectors, clock: o.clock, clusterResourceNamespace: o.clusterResourceNamespace, onProfileChanged: p.enqueueUsers, crls: p.crls,
      events: p.events, metrics: o.metrics,
    }),
  });
  p.informer.addHandlers({
    onAdd: (obj) => c.enqueue(keyOf(obj)),
    onUpdate: (a, b) => {
      if (a.metadata.generation !== b.metadata.generation) {
        c.enqueue(keyOf(b));
        p.enqueueUsers(p.kind, b.metadata.namespace, b.metadata.name ?? "");
      } else if (readyOf(a) !== readyOf(b)) {
        // The authority answered again (or stopped): its Certificates look again, now that the
        // cache they read the profile from has the new state.
        p.enqueueUsers(p.kind, b.metadata.namespace, b.metadata.name ?? "");
      }
    },
    onDelete: (obj) => {
      c.enqueue(keyOf(obj)); // drops its CA metrics
      p.enqueueUsers(p.kind, obj.metadata.namespace, obj.metadata.name ?? "");
    },
  });
  return c;
}

/** The JWKS publisher's controller: any change of a Certificate (status included: revocations) or its Secret. */
function buildJwksController(o: OperatorOptions, publisher: JwksPublisher, certificates: Informer<KubeObject>, secrets: Informer<SecretObject>): Controller {
  const c = new Controller({
    name: "jwks",
    queue: new WorkQueue({ clock: o.clock }),
    workers: 1,
    log: o.log,
    metrics: o.metrics,
    fence: o.leaderGate?.fence,
    resync: () => certificates.list().map(keyOf),
    reconciler: publisher,
  });
  certificates.addHandlers({ onAdd: (x) => c.enqueue(keyOf(x)), onUpdate: (_a, b) => c.enqueue(keyOf(b)), onDelete: (x) => c.enqueue(keyOf(x)) });
  const owner = (s: SecretObject) => {
    const name = s.metadata.labels?.[CERTIFICATE_NAME_LABEL];
    if (name) c.enqueue(`${s.metadata.namespace}/${name}`);
  };
  secrets.addHandlers({ onAdd: owner, onUpdate: (_a, b) => owner(b), onDelete: owner });
  return c;
}

/** The public listener's routes: JWK Sets, OCSP (GET and POST) and CRLs. */
function buildPublicRoutes(
  o: OperatorOptions,
  p: { jwks: JwksPublisher; crls: CrlPublisher; connectors: ConnectorRegistry; raProfiles: Informer<KubeObject>; clusterProfiles: Informer<KubeObject>; certificates: Informer<KubeObject> },
): Record<string, PublicRoute> {
  return {
    "/jwks/*": { handler: p.jwks.route() },
    "/crl/*": { handler: p.crls.route() },
    "/ocsp/*": {
      post: true,
      handler: ocspRoute({
        raProfile: (ns, name) => p.raProfiles.get(`${ns}/${name}`),
        clusterRAProfile: (name) => p.clusterProfiles.get(name),
        certificates: () => p.certificates.list(),
        connectors: p.connectors,
        clusterResourceNamespace: o.clusterResourceNamespace,
      }),
    },
  };
}
