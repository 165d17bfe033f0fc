// The kubectl plugin's entry point (bin/kubectl-certwright.js runs it): `kubectl certwright VERB ...`.
import { runPlugin } from "./plugin/main.ts";

const code = await runPlugin(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
process.exitCode = code;
