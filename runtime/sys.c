/* The process and the file system: what plain Lua lacks (directories,
 * a monotonic clock, sleeping, terminals, signals). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE  /* dirfd, st_mtim */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lauxlib.h"
#include "core.h"

/* Pushes nil and "path: why", the pair a file-system failure is reported
 * as (why: strerror(errno) when NULL); returns 2, the results pushed. */
int luamig_push_path_error(lua_State *L, const char *path, const char *why) {
  if (why == NULL) why = strerror(errno);
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", path, why);
  return 2;
}

/* Pushes a userdata of size bytes whose __gc is close: room for a handle
 * (set it before anything can raise) that a Lua error cannot leak. */
static void *push_closing(lua_State *L, size_t size, lua_CFunction close) {
  void *box = lua_newuserdatauv(L, size, 0);
  lua_newtable(L);  /* metatable closing the handle */
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  return box;
}

/* The directory handle as a userdata, so a Lua error while listing (out
 * of memory) still closes it. */
static int dir_gc(lua_State *L) {
  DIR **d = (DIR **)lua_touserdata(L, 1);
  if (*d != NULL) {
    closedir(*d);
    *d = NULL;
  }
  return 0;
}

/* listdir(path [, stat]) -> { names } [, { name = signature }] | nil, message
 * Names without . and ..; with stat, the signature "size:mtime_ns" of each
 * name, so a cache can tell a changed file without opening it. */
int sys_listdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int with_stat = lua_toboolean(L, 2);
  DIR **d = (DIR **)push_closing(L, sizeof(DIR *), dir_gc);
  *d = NULL;
  *d = opendir(path);
  if (*d == NULL) return luamig_push_path_error(L, path, NULL);
  lua_newtable(L);                   /* names */
  if (with_stat) lua_newtable(L);    /* signatures */
  int names = with_stat ? -2 : -1;
  lua_Integer n = 0;
  struct dirent *e;
  while ((e = readdir(*d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    lua_pushstring(L, e->d_name);
    lua_rawseti(L, names - 1, ++n);
    if (with_stat) {
      struct stat st;
      if (fstatat(dirfd(*d), e->d_name, &st, 0) == 0)
        lua_pushfstring(L, "%I:%I", (lua_Integer)st.st_size,
                        (lua_Integer)st.st_mtim.tv_sec * 1000000000 + (lua_Integer)st.st_mtim.tv_nsec);
      else
        lua_pushliteral(L, "?");
      lua_setfield(L, -2, e->d_name);
    }
  }
  closedir(*d);
  *d = NULL;
  return with_stat ? 2 : 1;
}

/* The file descriptor as a userdata, so a Lua error while reading (out of
 * memory) still closes it. */
static void fd_gc_close(int *fd) {
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

static int fd_gc(lua_State *L) {
  fd_gc_close((int *)lua_touserdata(L, 1));
  return 0;
}

/* Closes *fd and returns nil and "path: why" (why: strerror(errno) when
 * NULL), errno read before the close can change it. */
static int refuse_file(lua_State *L, int *fd, const char *path, const char *why) {
  luamig_push_path_error(L, path, why);
  fd_gc_close(fd);
  return 2;
}

/* readfile(path [, max]) -> bytes | nil, message [, "missing"]
 * The bytes of a regular file (symlinks followed). A FIFO, a device or a
 * directory is refused without blocking (opened O_NONBLOCK, checked by
 * fstat): a FIFO named x.lua, or an index linked to /dev/zero, would hang
 * a plain read. With max, a file over max bytes is refused. The third
 * result says that the file does not exist. */
int sys_readfile(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Integer max = luaL_optinteger(L, 2, -1);
  int *fd = (int *)push_closing(L, sizeof(int), fd_gc);
  *fd = -1;
  *fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (*fd < 0) {
    if (errno != ENOENT) return refuse_file(L, fd, path, NULL);
    refuse_file(L, fd, path, NULL);
    lua_pushliteral(L, "missing");
    return 3;
  }
  struct stat st;
  if (fstat(*fd, &st) != 0) return refuse_file(L, fd, path, NULL);
  if (S_ISDIR(st.st_mode)) return refuse_file(L, fd, path, "Is a directory");
  if (!S_ISREG(st.st_mode)) return refuse_file(L, fd, path, "not a regular file");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_Integer total = 0;
  for (;;) {
    char *p = luaL_prepbuffer(&b);
    ssize_t got = read(*fd, p, LUAL_BUFFERSIZE);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return refuse_file(L, fd, path, NULL);
    if (got == 0) break;
    total += got;
    if (max >= 0 && total > max) return refuse_file(L, fd, path, "too large");
    luaL_addsize(&b, (size_t)got);
  }
  fd_gc_close(fd);
  luaL_pushresult(&b);
  return 1;
}

/* mkdir(path) -> true | nil, message */
int sys_mkdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  if (mkdir(path, 0777) != 0) return luamig_push_path_error(L, path, NULL);
  lua_pushboolean(L, 1);
  return 1;
}

/* isdir(path) -> boolean */
int sys_isdir(lua_State *L) {
  struct stat st;
  lua_pushboolean(L, stat(luaL_checkstring(L, 1), &st) == 0 && S_ISDIR(st.st_mode));
  return 1;
}

/* isatty(fd) -> boolean */
int sys_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

/* clock() -> seconds on a monotonic clock */
int sys_clock(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}

/* sleep(seconds) */
int sys_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0, 1, "negative duration");
  struct timespec ts = {(time_t)s, (long)((s - (lua_Number)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !sys_interrupted_flag()) {}
  return 0;
}

/* FNV-1a, 64 bits: for noticing that bytes changed (a revision file since
 * it ran, the revision index since it was written), not for security. */
uint64_t luamig_fnv1a(const void *bytes, size_t len) {
  const unsigned char *p = (const unsigned char *)bytes;
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* checksum(bytes) -> 16 hex digits of luamig_fnv1a */
int sys_checksum(lua_State *L) {
  size_t len;
  const char *p = luaL_checklstring(L, 1, &len);
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)luamig_fnv1a(p, len));
  lua_pushstring(L, hex);
  return 1;
}

/* --------------------------------------------------------------- signals */

/* SIGINT/SIGTERM: cancel the running statement on the server, and stop the
 * Lua code at its next instruction (as lua.c does), so the runner rolls
 * back and reports. A second signal gets the default action.
 *
 * Inside call_interruptible (a revision) the interruption is sticky: every
 * Lua function raises again at its next instruction, so a revision that
 * catches the error with pcall still stops. Elsewhere (luamig's own code,
 * which must roll back and report) it raises once.
 *
 * Code that never runs a hook (a __gc finalizer, for which Lua turns hooks
 * off; a long C call) would keep the run going: STOP_DEADLINE seconds
 * after the signal the process exits anyway, and the server rolls back
 * what its closed connection had open. */

static volatile sig_atomic_t received_signal = 0;
static lua_State *signalled_state = NULL;
static int interruptible = 0;      /* a call_interruptible is running */
static int raised_outside = 0;     /* the one error outside it was raised */
static int self_polling = 0;       /* the caller polls interrupted() itself */

/* How often a coroutine's hook looks at the flag: the signal handler
 * reaches only the main thread, so each coroutine polls. */
#define COROUTINE_POLL_COUNT 1000

#define STOP_DEADLINE 5  /* seconds; README says it */

int sys_interrupted_flag(void) {
  return received_signal;
}

const char *sys_signal_name(void) {
  return received_signal == SIGTERM ? "SIGTERM" : "SIGINT";
}

void sys_interruption_reported(void) {
  raised_outside = 1;
}

/* No position: "runtime.lua:233:" would only confuse; the runtime names
 * the revision. */
static void raise_interrupted(lua_State *L) {
  lua_pushfstring(L, "interrupted by %s", sys_signal_name());
  lua_error(L);
}

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
  if (!received_signal) return;
  if (!interruptible) {
    lua_sethook(L, NULL, 0, 0);
    if (raised_outside || self_polling) return;
    raised_outside = 1;
    raise_interrupted(L);
  }
  lua_sethook(L, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
  /* not in a C function: raising at its call or return would break the
   * error handler's own call */
  if (lua_getinfo(L, "S", ar) && ar->what[0] == 'C') return;
  raise_interrupted(L);
}

/* SIGALRM, STOP_DEADLINE s after the signal: only async-signal-safe calls. */
#define SECONDS_TEXT(n) #n
#define STOP_MESSAGE(name, seconds) "luamig: interrupted by " name ", and Lua code that does not see it " \
  "(a __gc finalizer or a long C call) went on for " SECONDS_TEXT(seconds) " s: exiting now; " \
  "the server rolls back the transaction in progress\n"
static void on_stop_deadline(int sig) {
  (void)sig;
  static const char msg_int[] = STOP_MESSAGE("SIGINT", STOP_DEADLINE);
  static const char msg_term[] = STOP_MESSAGE("SIGTERM", STOP_DEADLINE);
  ssize_t written = received_signal == SIGTERM ? write(STDERR_FILENO, msg_term, sizeof msg_term - 1)
                                               : write(STDERR_FILENO, msg_int, sizeof msg_int - 1);
  (void)written;  /* nothing else to tell, and no one to tell it */
  _exit(1);
}

static void on_signal(int sig) {
  signal(sig, SIG_DFL);
  if (!received_signal && !self_polling) alarm(STOP_DEADLINE);
  received_signal = sig;
  luamig_pg_cancel_active();
  if (signalled_state != NULL)
    lua_sethook(signalled_state, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* coroutine.create or coroutine.wrap (upvalue 1), giving the new thread a
 * hook that polls the flag. wrap's function holds its thread as upvalue 1. */
static int hooked_coroutine(lua_State *L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  lua_State *co = lua_tothread(L, -1);
  if (co == NULL && lua_getupvalue(L, -1, 1) != NULL) {
    co = lua_tothread(L, -1);
    lua_pop(L, 1);
  }
  if (co != NULL) lua_sethook(co, interrupt_hook, LUA_MASKCOUNT, COROUTINE_POLL_COUNT);
  return 1;
}

static void hook_coroutine_function(lua_State *L, const char *name) {
  lua_getfield(L, -1, name);
  lua_pushcclosure(L, hooked_coroutine, 1);
  lua_setfield(L, -2, name);
}

/* debug.sethook from now on: the interruption lives in the hooks, and a
 * revision that removed a coroutine's hook (or the sticky one, from a
 * message handler) could not be stopped. */
static int forbidden_sethook(lua_State *L) {
  return luaL_error(L, "debug.sethook() called; luamig needs the debug hook to stop a run on SIGINT/SIGTERM");
}

/* trap_signals(): installs the handlers for this (main) Lua state, and
 * makes the coroutines created from now on interruptible too. */
int sys_trap_signals(lua_State *L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  signalled_state = lua_tothread(L, -1);
  lua_pop(L, 1);
  if (lua_getglobal(L, "coroutine") == LUA_TTABLE) {
    hook_coroutine_function(L, "create");
    hook_coroutine_function(L, "wrap");
  }
  lua_pop(L, 1);
  if (lua_getglobal(L, "debug") == LUA_TTABLE) {
    lua_pushcfunction(L, forbidden_sethook);
    lua_setfield(L, -2, "sethook");
  }
  lua_pop(L, 1);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = on_stop_deadline;
  sigaction(SIGALRM, &sa, NULL);
  return 0;
}

/* The error handler of call_interruptible: ends the sticky interruption
 * (it is a C function, which the hook never raises in) before calling the
 * Lua handler, upvalue 1, which may then look at the stack in peace. */
static int interruptible_handler(lua_State *L) {
  interruptible = 0;
  if (received_signal) raised_outside = 1;  /* this error is the report */
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* call_interruptible(fn, handler, ...) -> true, results | false, handler(err)
 * xpcall for a revision: a signal received before or while fn runs stops
 * it, whatever it does with pcall. */
int sys_call_interruptible(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  if (received_signal) {
    lua_pushboolean(L, 0);
    lua_pushvalue(L, 2);
    lua_pushfstring(L, "interrupted by %s", sys_signal_name());
    lua_call(L, 1, 1);
    return 2;
  }
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, interruptible_handler, 1);
  lua_replace(L, 2);
  lua_pushvalue(L, 1);
  lua_rotate(L, 3, 1);  /* fn, handler, fn, args... */
  int outer = interruptible;
  interruptible = 1;
  int status = lua_pcall(L, lua_gettop(L) - 3, LUA_MULTRET, 2);
  interruptible = outer;
  if (received_signal) raised_outside = 1;  /* the caller reports it */
  luaL_checkstack(L, 1, "too many results");  /* pcall made room for the results only */
  lua_pushboolean(L, status == LUA_OK);
  lua_replace(L, 2);
  return lua_gettop(L) - 1;
}

/* poll_interrupts(): from now on a signal raises no error and sets no
 * deadline; the caller (the fleet runner, which waits for its children
 * to roll back) reads interrupted() itself. A second signal still ends
 * the process. */
int sys_poll_interrupts(lua_State *L) {
  (void)L;
  self_polling = 1;
  return 0;
}

/* kill_self(): SIGKILL to this process, for the fault-injection switch
 * LUAMIG_FAULT_KILL_AFTER (crash-safety specs). */
int sys_kill_self(lua_State *L) {
  (void)L;
  fflush(NULL);
  raise(SIGKILL);
  return 0;
}

/* interrupted() -> "SIGINT" | "SIGTERM" | nil */
int sys_interrupted(lua_State *L) {
  if (received_signal == 0) return 0;
  lua_pushstring(L, received_signal == SIGTERM ? "SIGTERM" : "SIGINT");
  return 1;
}
