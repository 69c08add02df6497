/* The luamig program, shaped like lua.c: create the state, open the
 * libraries and luamig.core, install the module loader, run
 * luamig.cli.main(args) in protected mode and map the outcome to an exit
 * code. Policy lives in Lua. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lualib.h"
#include "core.h"
#include "embed.h"

/* Message handler: an error that escapes luamig.cli is a bug in luamig;
 * keep the traceback for LUAMIG_DEBUG=1 only. */
static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  const char *debug = getenv("LUAMIG_DEBUG");
  if (debug != NULL && *debug && strcmp(debug, "0") != 0) luaL_traceback(L, L, msg, 1);
  return 1;
}

/* LUAMIG_LUA_DIR=dir loads the luamig modules from dir instead of the copies
 * compiled in, for development. */
static void open_loader(lua_State *L) {
  const char *dir = getenv("LUAMIG_LUA_DIR");
  if (dir != NULL && *dir) {
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;", dir, dir);
    lua_getfield(L, -2, "path");
    lua_concat(L, 2);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
  } else {
    luamig_open_embedded(L);
  }
  luaL_requiref(L, "luamig.core", luaopen_luamig_core, 0);
  lua_pop(L, 1);
}

/* Runs require("luamig.cli").main(args); leaves its exit code. */
static int run_main(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  luaL_openlibs(L);
  open_loader(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "luamig.cli");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "main");
  lua_createtable(L, argc, 1);
  for (int i = 1; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_pushstring(L, argv[0]);
  lua_rawseti(L, -2, 0);
  lua_call(L, 1, 1);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    fputs("luamig: cannot create Lua state: not enough memory\n", stderr);
    return 1;
  }
  lua_pushcfunction(L, msghandler);
  lua_pushcfunction(L, run_main);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 1);
  int code;
  if (status == LUA_OK) {
    code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  } else {
    fprintf(stderr, "luamig: internal error: %s\n", lua_tostring(L, -1));
    code = 1;
  }
  fflush(stdout);
  lua_close(L);
  return code;
}
