import { describe, expect, it } from "vitest";
import { resourceOfPath } from "./resources.ts";

describe("resourceOfPath", () => {
  it.each([
    ["/api/v1/namespaces/bench/secrets", "secrets"],
    ["/api/v1/namespaces/bench/secrets/a-tls", "secrets"],
    ["/apis/certwright.dev/v1alpha1/namespaces/x/certificates/c/status", "certificates/status"],
    ["/apis/events.k8s.io/v1/namespaces/x/events", "events"],
    ["/apis/certwright.dev/v1alpha1/clusterraprofiles/p/status", "clusterraprofiles/status"],
    ["/api/v1/namespaces", "namespaces"],
  ])("%s → %s", (path, want) => expect(resourceOfPath(path)).toBe(want));
});
