/* libFuzzer harness: each input is handed to fuzz_target(data) of
 * fuzz/targets.lua, run on the real luamig Lua modules (from the repo's
 * lua/ directory) and the real luamig.core C library compiled into this
 * binary. A Lua error escaping fuzz_target is a finding (abort), as is any
 * crash or sanitizer report in C. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lauxlib.h"
#include "lualib.h"
#include "core.h"

#ifndef FUZZ_LUA_DIR
#error "build with -DFUZZ_LUA_DIR=\"<repo>/lua\" -DFUZZ_DIR=\"<repo>/fuzz\""
#endif

static lua_State *L;

static int traceback(lua_State *L1) {
  const char *msg = lua_tostring(L1, 1);
  if (msg == NULL) msg = lua_pushfstring(L1, "(error object is a %s value)", luaL_typename(L1, 1));
  luaL_traceback(L1, L1, msg, 1);
  return 1;
}

/* Sets package.path (the repo's lua/, or $LUAMIG_LUA_DIR as for the
 * luamig binary, to try a patch), opens luamig.core, and leaves fuzz_target
 * at index 2 above the message handler at index 1. */
static void setup(void) {
  const char *dir = getenv("LUAMIG_LUA_DIR");
  if (dir == NULL || *dir == '\0') dir = FUZZ_LUA_DIR;
  L = luaL_newstate();
  if (L == NULL) abort();
  luaL_openlibs(L);
  lua_pushcfunction(L, traceback);
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s/?.lua", dir, dir, FUZZ_DIR);
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  luaL_requiref(L, "luamig.core", luaopen_luamig_core, 0);
  lua_pop(L, 1);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "targets");
  if (lua_pcall(L, 1, 1, 1) != LUA_OK) {
    fprintf(stderr, "fuzz: cannot load fuzz/targets.lua: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_getfield(L, -1, "fuzz_target");
  lua_remove(L, -2);
  if (!lua_isfunction(L, -1)) {
    fputs("fuzz: targets.lua returns no fuzz_target function\n", stderr);
    abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L == NULL) setup();
  lua_pushvalue(L, 2);
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 1) != LUA_OK) {
    fprintf(stderr, "fuzz: finding: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_settop(L, 2);
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
