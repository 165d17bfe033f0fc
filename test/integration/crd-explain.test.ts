// What `kubectl explain` shows comes from the OpenAPI v3 document the API server builds from
// the installed CRDs. Read that document from the real kube-apiserver and check every spec and
// status field of the three kinds has a description there, not only in crds/*.yaml.
import { execFileSync } from "node:child_process";
import { describe, expect, inject, it } from "vitest";
import { buildCrds } from "../../src/api/crd/custom-resource-definitions.ts";
import { API_VERSION, GROUP, VERSION } from "../../src/api/resources.ts";
import { undescribedFields } from "../../tools/field-descriptions.ts";
import { eventually, testClient } from "../harness/cluster.ts";

type Node = { [key: string]: unknown };

interface OpenApiDocument {
  components: { schemas: Record<string, Node> };
}

/** Every property path under a schema, for comparing what is served with what we generate. */
function fieldPaths(n: Node, path: string): string[] {
  const props = (n.properties ?? {}) as Record<string, Node>;
  return [
    ...Object.entries(props).flatMap(([k, child]) => [`${path}.${k}`, ...fieldPaths(child, `${path}.${k}`)]),
    ...(n.items ? fieldPaths(n.items as Node, `${path}[]`) : []),
    ...(n.additionalProperties && typeof n.additionalProperties === "object" ? fieldPaths(n.additionalProperties as Node, `${path}{}`) : []),
  ];
}

function hasKubectl(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("field descriptions served by the API server", () => {
  const crds = buildCrds();
  // Reverse-DNS group, as the API server names the schemas: dev.certwright.v1alpha1.Certificate.
  const schemaName = (kind: string) => `${GROUP.split(".").reverse().join(".")}.${VERSION}.${kind}`;

  it.each(crds.map((c) => c.spec.names.kind))("%s: every spec and status field has a description in /openapi/v3", async (kind) => {
    const client = testClient();
    // The OpenAPI controller publishes a CRD shortly after it is established.
    const doc = await eventually(async () => {
      const d = await client.rest.request<OpenApiDocument>("GET", `/openapi/v3/apis/${API_VERSION}`);
      return d.components.schemas[schemaName(kind)] ? d : undefined;
    }, 60_000, `${kind} in the OpenAPI v3 document`);
    const served = doc.components.schemas[schemaName(kind)]!;
    const generated = crds.find((c) => c.spec.names.kind === kind)!.spec.versions[0]!.schema.openAPIV3Schema;
    for (const top of ["spec", "status"]) {
      const node = (served.properties as Record<string, Node>)[top]!;
      expect(node.description, `${kind}.${top}`).toMatch(/\w/);
      expect(undescribedFields(node, top), `${kind}: fields served without a description`).toEqual([]);
      // The served schema is the whole generated one (the server sorts keys): no field was dropped.
      expect(fieldPaths(node, top).sort()).toEqual(fieldPaths((generated.properties as Record<string, Node>)[top]!, top).sort());
    }
  });

  it.skipIf(!hasKubectl())("kubectl explain certificates.certwright.dev.spec.<field> shows each field's description", () => {
    const kubeconfig = inject("controlPlane").kubeconfig;
    const explain = (path: string) => execFileSync("kubectl", ["--kubeconfig", kubeconfig, "explain", path], { encoding: "utf8" });
    const spec = crds.find((c) => c.spec.names.kind === "Certificate")!.spec.versions[0]!.schema.openAPIV3Schema;
    const props = ((spec.properties as Record<string, Node>).spec!.properties ?? {}) as Record<string, Node>;
    for (const [field, schema] of Object.entries(props)) {
      const out = explain(`certificates.${GROUP}.spec.${field}`);
      // kubectl wraps long lines; compare the first words of the description.
      const words = String(schema.description).split(/\s+/).slice(0, 4).join(" ");
      expect(out.replace(/\s+/g, " "), field).toContain(words);
    }
  });
});
