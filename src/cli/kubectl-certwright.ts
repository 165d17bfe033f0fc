// The kubectl plugin's entry point (bin/kubectl-certwright.js runs it): `kubectl certwright VERB ...`.
import { runPlugin } from "./plugin/main.ts";

// `kubectl certwright inventory | head` closes stdout early: that is not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const code = await runPlugin(process.argv.slice(2), {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
process.exitCode = code;
