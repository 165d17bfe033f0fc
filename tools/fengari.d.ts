// The part of fengari's (untyped) C-like API that tools/argocd-health.test.ts uses.
declare module "fengari" {
  type State = object;
  type LuaString = Uint8Array;
  const fengari: {
    to_luastring: (s: string) => LuaString;
    lua: {
      LUA_OK: number;
      lua_pushnil: (L: State) => void;
      lua_pushboolean: (L: State, b: boolean) => void;
      lua_pushinteger: (L: State, n: number) => void;
      lua_pushnumber: (L: State, n: number) => void;
      lua_pushstring: (L: State, s: LuaString) => void;
      lua_createtable: (L: State, narr: number, nrec: number) => void;
      lua_rawseti: (L: State, idx: number, n: number) => void;
      lua_setfield: (L: State, idx: number, k: LuaString) => void;
      lua_getfield: (L: State, idx: number, k: LuaString) => number;
      lua_setglobal: (L: State, name: LuaString) => void;
      lua_pcall: (L: State, nargs: number, nresults: number, msgh: number) => number;
      lua_tojsstring: (L: State, idx: number) => string;
      lua_isnil: (L: State, idx: number) => boolean;
      lua_istable: (L: State, idx: number) => boolean;
      lua_pop: (L: State, n: number) => void;
    };
    lauxlib: {
      luaL_newstate: () => State;
      luaL_loadstring: (L: State, s: LuaString) => number;
    };
    lualib: { luaL_openlibs(L: State): void };
  };
  export default fengari;
}
