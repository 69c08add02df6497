/* luamig.core: what the C host gives the Lua side. */
#ifndef LUAMIG_CORE_H
#define LUAMIG_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "lua.h"

int luaopen_luamig_core(lua_State *L);
int luamig_raise_plain(lua_State *L, const char *fmt, ...);  /* lua_error with no position */

/* pg.c: the libpq binding */
int pg_connect(lua_State *L);
void luamig_open_pg(lua_State *L);
void luamig_pg_cancel_active(void);  /* async-signal-safe */
int sys_interrupted_flag(void);       /* a SIGINT/SIGTERM was received */
const char *sys_signal_name(void);    /* "SIGINT" or "SIGTERM": which one */
void sys_interruption_reported(void); /* the caller reports it: no hook error */

/* numtext.c: numbers as text that reads back exactly */
#define LUAMIG_NUMBER_TEXT 40
size_t luamig_float_text(char text[LUAMIG_NUMBER_TEXT], double v);
size_t luamig_integer_text(char text[LUAMIG_NUMBER_TEXT], lua_Integer i);

/* printable.c: text for a terminal */
int text_printable(lua_State *L);

/* termline.c: the line left open on stderr, the terminal's width */
void luamig_end_open_line(void);
int term_line_open(lua_State *L);
int term_columns(lua_State *L);

/* copy.c: COPY text encoding */
int copy_encode(lua_State *L);

/* index.c: the revision index's bytes */
int index_encode(lua_State *L);
int index_decode(lua_State *L);
int index_column(lua_State *L);
int index_parents(lua_State *L);

/* pgparse.c: the PostgreSQL parser (libpg_query), for lint */
int parse_sql(lua_State *L);
void luamig_open_pgparse(lua_State *L);

/* sys.c: the process and the file system */
int luamig_push_path_error(lua_State *L, const char *path, const char *why);  /* nil, "path: why" */
int sys_listdir(lua_State *L);
int sys_fingerprint(lua_State *L);  /* fingerprint.c */
int sys_readfile(lua_State *L);
int sys_mkdir(lua_State *L);
int sys_isdir(lua_State *L);
int sys_isatty(lua_State *L);
int sys_clock(lua_State *L);
int sys_checksum(lua_State *L);
uint64_t luamig_fnv1a(const void *bytes, size_t len);
int sys_sleep(lua_State *L);
int sys_trap_signals(lua_State *L);
int sys_interrupted(lua_State *L);
int sys_call_interruptible(lua_State *L);
int sys_kill_self(lua_State *L);
int sys_poll_interrupts(lua_State *L);

/* proc.c: child processes (the fleet runner) */
int proc_spawn(lua_State *L);
int proc_poll(lua_State *L);
int proc_read(lua_State *L);
int proc_close(lua_State *L);
int proc_reap(lua_State *L);
int proc_signal(lua_State *L);

#endif
