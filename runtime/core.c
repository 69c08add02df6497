/* luamig.core: the whole surface the C host offers to Lua, in one table. */
#include <stdarg.h>

#include "lauxlib.h"
#include "core.h"

/* Raises the formatted message as it is: luaL_error would prefix the
 * position of the Lua caller, and the callers name the operation (or the
 * revision) themselves. */
int luamig_raise_plain(lua_State *L, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  lua_pushvfstring(L, fmt, args);
  va_end(args);
  return lua_error(L);
}

static const luaL_Reg core_functions[] = {
  {"connect", pg_connect},
  {"copy_encode", copy_encode},
  {"printable", text_printable},
  {"encode_index", index_encode},
  {"decode_index", index_decode},
  {"index_column", index_column},
  {"index_parents", index_parents},
  {"listdir", sys_listdir},
  {"fingerprint", sys_fingerprint},
  {"readfile", sys_readfile},
  {"mkdir", sys_mkdir},
  {"isdir", sys_isdir},
  {"isatty", sys_isatty},
  {"clock", sys_clock},
  {"line_open", term_line_open},
  {"columns", term_columns},
  {"checksum", sys_checksum},
  {"sleep", sys_sleep},
  {"trap_signals", sys_trap_signals},
  {"interrupted", sys_interrupted},
  {"call_interruptible", sys_call_interruptible},
  {"kill_self", sys_kill_self},
  {"poll_interrupts", sys_poll_interrupts},
  {"spawn", proc_spawn},
  {"poll", proc_poll},
  {"read", proc_read},
  {"close", proc_close},
  {"reap", proc_reap},
  {"signal", proc_signal},
  {"parse_sql", parse_sql},
  {NULL, NULL}
};

int luaopen_luamig_core(lua_State *L) {
  luaL_newlib(L, core_functions);
  luamig_open_pg(L);
  luamig_open_pgparse(L);
  lua_pushliteral(L, LUAMIG_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
