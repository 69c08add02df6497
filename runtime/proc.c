/* Child processes, for the fleet runner: start one with pipes on its
 * stdout, stderr and fd 3, wait for readable pipes, read them, reap it,
 * signal it. The children are luamig itself, one per target. */
#define _GNU_SOURCE  /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lauxlib.h"
#include "core.h"

#define CHILD_PIPES 3  /* the child's fds 1, 2 and 3 */
#define MAX_ARGS 256
#define MAX_ENV 4096

extern char **environ;

static void close_pipes(int fds[][2], int n) {
  for (int i = 0; i < n; i++) {
    close(fds[i][0]);
    close(fds[i][1]);
  }
}

/* In the child, between fork and exec: only async-signal-safe calls. Its
 * own process group, so a terminal's Ctrl-C reaches the parent alone
 * (which forwards it once: a second SIGINT would kill the child
 * mid-revision); SIGTERM when the parent dies, even by kill -9, so no
 * child runs on without it (the child rolls back as on any SIGTERM). */
static void exec_child(const char *path, char *const argv[], char *const envp[], int fds[][2], pid_t parent) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);  /* it died before the prctl */
  for (int i = 0; i < CHILD_PIPES; i++) {
    if (dup2(fds[i][1], i + 1) < 0) _exit(127);
  }
  /* the pipes' own fds close at exec (O_CLOEXEC); the copies stay */
  int null = open("/dev/null", O_RDONLY);
  if (null >= 0 && null != 0) {
    dup2(null, 0);
    close(null);
  }
  execve(path, argv, envp);
  _exit(127);
}

/* Fills list (room for max) from the strings of the table at idx, then
 * from more (NULL-ended, may be NULL); returns the count. The strings stay
 * alive in the table. */
static int string_list(lua_State *L, int idx, char **list, int max, char **more) {
  lua_Integer n = luaL_len(L, idx);
  luaL_argcheck(L, n < max, idx, "too many strings");
  int k = 0;
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, idx, i);
    list[k++] = (char *)luaL_checkstring(L, -1);
    lua_pop(L, 1);
  }
  for (; more != NULL && *more != NULL && k < max - 1; more++) list[k++] = *more;
  list[k] = NULL;
  return k;
}

/* spawn(path, { argv... }, { "NAME=value"... }) -> pid, out_fd, err_fd,
 * report_fd | nil, message
 * argv[1] is the child's argv[0]; the child's environment is this one
 * with the given variables first (getenv finds those). The parent's ends
 * are non-blocking and close on exec (another child must not hold them
 * open). */
int proc_spawn(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  char *argv[MAX_ARGS];
  luaL_argcheck(L, string_list(L, 2, argv, MAX_ARGS, NULL) >= 1, 2, "no argv[0]");
  char **envp = (char **)lua_newuserdatauv(L, sizeof(char *) * MAX_ENV, 0);
  string_list(L, 3, envp, MAX_ENV, environ);
  int fds[CHILD_PIPES][2];
  for (int i = 0; i < CHILD_PIPES; i++) {
    if (pipe2(fds[i], O_CLOEXEC) != 0) {
      int saved = errno;
      close_pipes(fds, i);
      errno = saved;
      return luamig_push_path_error(L, "pipe", NULL);
    }
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close_pipes(fds, CHILD_PIPES);
    errno = saved;
    return luamig_push_path_error(L, "fork", NULL);
  }
  if (pid == 0) exec_child(path, argv, envp, fds, parent);
  lua_pushinteger(L, pid);
  for (int i = 0; i < CHILD_PIPES; i++) {
    close(fds[i][1]);
    fcntl(fds[i][0], F_SETFL, O_NONBLOCK);
    lua_pushinteger(L, fds[i][0]);
  }
  return 1 + CHILD_PIPES;
}

/* poll({ fd... }, timeout_ms) -> { fd... readable or closed }
 * A signal ends the wait early with none. */
int proc_poll(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int timeout = (int)luaL_checkinteger(L, 2);
  lua_Integer n = luaL_len(L, 1);
  struct pollfd *p = (struct pollfd *)lua_newuserdatauv(L, sizeof(struct pollfd) * (size_t)(n > 0 ? n : 1), 0);
  for (lua_Integer i = 0; i < n; i++) {
    lua_rawgeti(L, 1, i + 1);
    p[i].fd = (int)luaL_checkinteger(L, -1);
    p[i].events = POLLIN;
    p[i].revents = 0;
    lua_pop(L, 1);
  }
  int ready = poll(p, (nfds_t)n, timeout);
  if (ready < 0 && errno != EINTR) return luaL_error(L, "poll: %s", strerror(errno));
  lua_newtable(L);
  lua_Integer k = 0;
  for (lua_Integer i = 0; ready > 0 && i < n; i++) {
    if (p[i].revents == 0) continue;
    lua_pushinteger(L, p[i].fd);
    lua_rawseti(L, -2, ++k);
  }
  return 1;
}

/* read(fd) -> bytes ("" at end of file) | nil when nothing is there yet */
int proc_read(lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  char buf[8192];
  for (;;) {
    ssize_t got = read(fd, buf, sizeof buf);
    if (got >= 0) {
      lua_pushlstring(L, buf, (size_t)got);
      return 1;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    lua_pushliteral(L, "");  /* a broken pipe ends it as an end of file does */
    return 1;
  }
}

/* close(fd) */
int proc_close(lua_State *L) {
  close((int)luaL_checkinteger(L, 1));
  return 0;
}

/* reap(pid [, block]) -> exit code (128 + signal when killed) | nil while
 * it runs (without block) */
int proc_reap(lua_State *L) {
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int flags = lua_toboolean(L, 2) ? 0 : WNOHANG;
  int status;
  pid_t got;
  do got = waitpid(pid, &status, flags); while (got < 0 && errno == EINTR);
  if (got == 0) return 0;
  if (got < 0) return luaL_error(L, "waitpid %d: %s", (int)pid, strerror(errno));
  lua_pushinteger(L, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 1;
}

/* signal(pid, "SIGINT" | "SIGTERM" | "SIGKILL") */
int proc_signal(lua_State *L) {
  static const char *const names[] = {"SIGINT", "SIGTERM", "SIGKILL", NULL};
  static const int numbers[] = {SIGINT, SIGTERM, SIGKILL};
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int which = luaL_checkoption(L, 2, NULL, names);
  kill(pid, numbers[which]);
  return 0;
}
