#!/usr/bin/env node
// kubectl finds plugins by name on PATH: this file is `kubectl certwright`. In a checkout it runs
// the TypeScript source (so a stale build never shadows it); in the packed package and the image,
// which ship no src/, the compiled dist/.
import { existsSync } from "node:fs";
import { URL } from "node:url";

const source = new URL("../src/cli/kubectl-certwright.ts", import.meta.url);
await import(existsSync(source) ? source.href : new URL("../dist/cli/kubectl-certwright.js", import.meta.url).href);
