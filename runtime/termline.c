/* The line luamig leaves unfinished on stderr (a step's Running line, a
   progress line rewritten in place: lua/luamig/console.lua): what the C
   host writes there itself, a server's notice, ends it first so that it
   never lands in the middle of it; and the terminal's width, to which a
   progress line is cut. */
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core.h"
#include "lauxlib.h"

static int line_open = 0;

void luamig_end_open_line(void) {
  if (line_open) {
    fputc('\n', stderr);
    line_open = 0;
  }
}

/* core.line_open([flag]) -> whether a line is open (after setting it to
   flag when given). */
int term_line_open(lua_State *L) {
  if (!lua_isnoneornil(L, 1)) line_open = lua_toboolean(L, 1);
  lua_pushboolean(L, line_open);
  return 1;
}

/* core.columns(fd) -> the width of the terminal on fd, or nil. */
int term_columns(lua_State *L) {
  int fd = (int)luaL_checkinteger(L, 1);
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) {
    lua_pushnil(L);
  } else {
    lua_pushinteger(L, ws.ws_col);
  }
  return 1;
}
