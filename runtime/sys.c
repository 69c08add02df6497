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

static int push_errno(lua_State *L, const char *path) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", path, strerror(errno));
  return 2;
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

/* Calls visit(ctx, name, st) for each entry of the open directory but . and
 * .., with st NULL unless want_stat (NULL too when the entry vanished). */
typedef void (*entry_visitor)(lua_State *L, void *ctx, const char *name, const struct stat *st);

static void each_entry(lua_State *L, DIR *d, int want_stat, entry_visitor visit, void *ctx) {
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    int have = want_stat && fstatat(dirfd(d), e->d_name, &st, 0) == 0;
    visit(L, ctx, e->d_name, have ? &st : NULL);
  }
}

/* Opens path into a userdata that closes it when collected, so a Lua error
 * while listing (out of memory) still closes it. Pushes the userdata, or
 * returns NULL with errno set. */
static DIR **open_dir(lua_State *L, const char *path) {
  DIR **d = (DIR **)lua_newuserdatauv(L, sizeof(DIR *), 0);
  *d = NULL;
  lua_newtable(L);
  lua_pushcfunction(L, dir_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  *d = opendir(path);
  return *d == NULL ? NULL : d;
}

static lua_Integer mtime_ns(const struct stat *st) {
  return (lua_Integer)st->st_mtim.tv_sec * 1000000000 + (lua_Integer)st->st_mtim.tv_nsec;
}

/* listdir: stack is names, [signatures] */
struct listing { int with_stat; lua_Integer n; };

static void list_entry(lua_State *L, void *ctx, const char *name, const struct stat *st) {
  struct listing *l = ctx;
  lua_pushstring(L, name);
  lua_rawseti(L, l->with_stat ? -3 : -2, ++l->n);
  if (!l->with_stat) return;
  if (st != NULL)
    lua_pushfstring(L, "%I:%I", (lua_Integer)st->st_size, mtime_ns(st));
  else
    lua_pushliteral(L, "?");
  lua_setfield(L, -2, name);
}

/* listdir(path [, stat]) -> { names } [, { name = signature }] | nil, message
 * Names without . and ..; with stat, the signature "size:mtime_ns" of each
 * name, so a cache can tell a changed file without opening it. */
int sys_listdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct listing l = { lua_toboolean(L, 2), 0 };
  DIR **d = open_dir(L, path);
  if (d == NULL) return push_errno(L, path);
  lua_newtable(L);
  if (l.with_stat) lua_newtable(L);
  each_entry(L, *d, l.with_stat, list_entry, &l);
  closedir(*d);
  *d = NULL;
  return l.with_stat ? 2 : 1;
}

/* fingerprint: an order-free sum of one 128-bit hash per entry */
struct fingerprint { const char *suffix; size_t suffix_len; lua_Integer n; uint64_t sum, mix; };

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static void fold_entry(lua_State *L, void *ctx, const char *name, const struct stat *st) {
  (void)L;
  struct fingerprint *f = ctx;
  size_t len = strlen(name);
  if (len < f->suffix_len || memcmp(name + len - f->suffix_len, f->suffix, f->suffix_len) != 0) return;
  uint64_t h = 14695981039346656037ULL;  /* FNV-1a of the name */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
  h = splitmix64(h ^ (st ? (uint64_t)st->st_size : UINT64_MAX));
  h = splitmix64(h ^ (st ? (uint64_t)mtime_ns(st) : UINT64_MAX));
  f->sum += h;
  f->mix ^= splitmix64(h);
  f->n++;
}

/* fingerprint(path, suffix) -> "count:hex" | nil, message
 * Of the names ending in suffix with their sizes and mtimes, in any
 * order: equal fingerprints mean no such file was added, removed or
 * rewritten, which lets a cache of ten thousand files be checked without
 * a Lua string per file. */
int sys_fingerprint(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct fingerprint f = { 0 };
  f.suffix = luaL_checklstring(L, 2, &f.suffix_len);
  DIR **d = open_dir(L, path);
  if (d == NULL) return push_errno(L, path);
  each_entry(L, *d, 1, fold_entry, &f);
  closedir(*d);
  *d = NULL;
  char hex[40];
  snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)f.sum, (unsigned long long)f.mix);
  lua_pushfstring(L, "%I:%s", f.n, hex);
  return 1;
}

/* mkdir(path) -> true | nil, message */
int sys_mkdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  if (mkdir(path, 0777) != 0) return push_errno(L, path);
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

/* checksum(bytes) -> 16 hex digits: FNV-1a, 64 bits. For noticing that a
 * revision file changed since it ran, not for security. */
int sys_checksum(lua_State *L) {
  size_t len;
  const unsigned char *p = (const unsigned char *)luaL_checklstring(L, 1, &len);
  unsigned long long h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", h);
  lua_pushstring(L, hex);
  return 1;
}

/* --------------------------------------------------------------- signals */

/* SIGINT/SIGTERM: cancel the running statement on the server, and stop the
 * Lua code at its next instruction (as lua.c does), so the runner rolls
 * back and reports. A second signal gets the default action. */

static volatile sig_atomic_t received_signal = 0;
static lua_State *signalled_state = NULL;

int sys_interrupted_flag(void) {
  return received_signal;
}

static void interrupt_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  luaL_error(L, "interrupted by %s", received_signal == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void on_signal(int sig) {
  signal(sig, SIG_DFL);
  received_signal = sig;
  luamig_pg_cancel_active();
  if (signalled_state != NULL)
    lua_sethook(signalled_state, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* trap_signals(): installs the handlers for this (main) Lua state. */
int sys_trap_signals(lua_State *L) {
  lua_State *main_state;
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  main_state = lua_tothread(L, -1);
  lua_pop(L, 1);
  signalled_state = main_state;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
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
