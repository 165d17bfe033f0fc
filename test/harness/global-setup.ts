// One real control plane for the whole integration suite; tests get its coordinates via inject().
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { startControlPlane, type ControlPlane } from "../../tools/control-plane/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    controlPlane: {
      kubeconfig: string;
      dir: string;
      etcdUrl: string;
      server: string;
      kubeApiserver: string;
      certs: ControlPlane["certs"];
    };
  }
}

let cp: ControlPlane | undefined;

export async function setup(project: TestProject): Promise<void> {
  cp = await startControlPlane({ crdDir: fileURLToPath(new URL("../../crds", import.meta.url)) });
  project.provide("controlPlane", {
    kubeconfig: cp.kubeconfig,
    dir: cp.dir,
    etcdUrl: cp.etcdUrl,
    server: cp.server,
    kubeApiserver: cp.binaries.kubeApiserver,
    certs: cp.certs,
  });
}

export async function teardown(): Promise<void> {
  await cp?.stop();
}
