#!/usr/bin/env node
// kubectl finds plugins by name on PATH: this file is `kubectl certwright`. It runs the compiled
// plugin when the package was built (npm pack, the image), else the TypeScript source (a checkout).
import { existsSync } from "node:fs";
import { URL } from "node:url";

const built = new URL("../dist/cli/kubectl-certwright.js", import.meta.url);
await import(existsSync(built) ? built.href : new URL("../src/cli/kubectl-certwright.ts", import.meta.url).href);
