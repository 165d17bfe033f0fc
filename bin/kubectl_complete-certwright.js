#!/usr/bin/env node
// kubectl (1.26+) runs kubectl_complete-certwright to complete `kubectl certwright ...`.
import process from "node:process";
process.argv.splice(2, 0, "__complete");
await import("./kubectl-certwright.js");
