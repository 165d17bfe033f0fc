// Runs the Argo CD health check of docs/gitops.md (Lua, in a pure-JS Lua interpreter) against
// objects in every state listed in test/fixtures/gitops/health-cases.yaml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import fengari from "fengari";

const { lua, lauxlib, lualib, to_luastring } = fengari;
type State = ReturnType<typeof lauxlib.luaL_newstate>;

const root = new URL("..", import.meta.url);
const KINDS = ["Certificate", "RAProfile", "ClusterRAProfile"] as const;

/** The YAML block after the argocd-health-values marker in docs/gitops.md: what users copy. */
function healthValues(): Record<string, unknown> {
  const doc = readFileSync(new URL("docs/gitops.md", root), "utf8");
  const m = /<!-- argocd-health-values[^>]*-->\n```yaml\n([\s\S]*?)\n```/.exec(doc);
  if (!m) throw new Error("docs/gitops.md has no argocd-health-values block");
  return (parse(m[1]!) as { configs: { cm: Record<string, unknown> } }).configs.cm;
}

/** JSON value -> Lua value on the stack, the way Argo CD hands `obj` to the script. */
function push(L: State, v: unknown): void {
  if (v === null || v === undefined) lua.lua_pushnil(L);
  else if (typeof v === "boolean") lua.lua_pushboolean(L, v);
  else if (typeof v === "number") (Number.isInteger(v) ? lua.lua_pushinteger : lua.lua_pushnumber)(L, v);
  else if (typeof v === "string") lua.lua_pushstring(L, to_luastring(v));
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    v.forEach((x, i) => {
      push(L, x);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    const entries = Object.entries(v as Record<string, unknown>);
    lua.lua_createtable(L, 0, entries.length);
    for (const [k, x] of entries) {
      push(L, x);
      lua.lua_setfield(L, -2, to_luastring(k));
    }
  }
}

interface Health {
  status: string;
  message: string | undefined;
}

function runHealth(script: string, obj: unknown): Health {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, obj);
  lua.lua_setglobal(L, to_luastring("obj"));
  if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK) throw new Error(`Lua syntax: ${lua.lua_tojsstring(L, -1)}`);
  if (lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) throw new Error(`Lua error: ${lua.lua_tojsstring(L, -1)}`);
  if (!lua.lua_istable(L, -1)) throw new Error("the health script must return a table");
  const field = (name: string): string | undefined => {
    lua.lua_getfield(L, -1, to_luastring(name));
    const value = lua.lua_isnil(L, -1) ? undefined : lua.lua_tojsstring(L, -1);
    lua.lua_pop(L, 1);
    return value;
  };
  return { status: field("status") ?? "", message: field("message") };
}

interface HealthCase {
  case: string;
  want: Health;
  object: { kind: string };
}

const cases = parseAllDocuments(readFileSync(new URL("test/fixtures/gitops/health-cases.yaml", root), "utf8")).map(
  (d) => d.toJS() as HealthCase,
);

describe("Argo CD health check in docs/gitops.md", () => {
  const values = healthValues();
  const script = values["resource.customizations.health.certwright.dev_Certificate"] as string;

  it("is one script, set for all three kinds", () => {
    expect(typeof script).toBe("string");
    for (const kind of KINDS) expect(values[`resource.customizations.health.certwright.dev_${kind}`], kind).toBe(script);
  });

  it("sticks to Lua 5.1, which Argo CD's gopher-lua runs (no integer division, goto, bitwise operators or attribs)", () => {
    const code = script.replace(/--.*$/gm, "").replace(/"(?:[^"\\]|\\.)*"/g, '""');
    expect(code).not.toMatch(/\/\/|\bgoto\b|<const>|<close>|[&|]|~(?!=)|<<|>>/);
  });

  it("covers every kind and every health status it can return", () => {
    expect(new Set(cases.map((c) => c.object.kind))).toEqual(new Set(KINDS));
    expect(new Set(cases.map((c) => c.want.status))).toEqual(new Set(["Progressing", "Healthy", "Degraded"]));
  });

  it.each(cases.map((c) => [c.case, c] as const))("%s", (_, c) => {
    expect(runHealth(script, c.object)).toEqual(c.want);
  });

  it("waits for Ready when the status has other conditions only", () => {
    const obj = { kind: "RAProfile", metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [{ type: "CAExpiryNotice", status: "False", reason: "NotDue", message: "" }] } };
    expect(runHealth(script, obj)).toEqual({ status: "Progressing", message: "Waiting for certwright to report Ready" });
  });
});
