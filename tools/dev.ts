// `npm run dev`: a local control plane (real kube-apiserver + etcd) with our CRDs, ready to use.
import { fileURLToPath } from "node:url";
import { startControlPlane } from "./control-plane/index.ts";

const cp = await startControlPlane({ crdDir: fileURLToPath(new URL("../crds", import.meta.url)) });
console.log(`control plane ready: export KUBECONFIG=${cp.kubeconfig}`);
const shutdown = () => void cp.stop().then(() => process.exit(0));
process.once("SIGINT", shutdown);
process.once("SIGTERM", shutdown);
