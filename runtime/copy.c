/* COPY text format: a batch of Lua rows encoded in one pass, because a
 * million rows escaped value by value in Lua cost several times what the
 * server spends parsing them. */
#include "lauxlib.h"
#include "core.h"

/* Appends s with \, tab, newline and carriage return escaped; a NUL byte
 * cannot travel in COPY text. Returns 0 on a NUL byte. */
static int add_escaped(luaL_Buffer *b, const char *s, size_t len) {
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i], esc;
    if ((unsigned char)c > '\\' || (c > '\r' && c != '\\')) continue;  /* the common case */
    switch (c) {
      case '\\': esc = '\\'; break;
      case '\t': esc = 't'; break;
      case '\n': esc = 'n'; break;
      case '\r': esc = 'r'; break;
      case '\0': return 0;
      default: continue;
    }
    luaL_addlstring(b, s + start, i - start);
    luaL_addchar(b, '\\');
    luaL_addchar(b, esc);
    start = i + 1;
  }
  luaL_addlstring(b, s + start, len - start);
  return 1;
}

/* One field, read off the stack before it is written: luaL_Buffer wants
 * the stack at its own level at every buffer operation. A string stays
 * alive after the pop because its row still holds it (raw access, so no
 * metamethod can make a fresh one). */
typedef struct {
  int type;
  const char *s;
  size_t len;
  lua_Integer i;
  double d;
  int is_int;
} Field;

/* Reads the value at the top of the stack, of the given type (without
 * popping it). Few API calls: this runs for every field of a million rows.
 * Only a table can be the null marker (op.NULL). */
static void read_field(lua_State *L, int type, int null, Field *f) {
  f->type = type;
  switch (type) {
    case LUA_TSTRING: f->s = lua_tolstring(L, -1, &f->len); break;
    case LUA_TNUMBER:
      /* not lua_tointegerx: a float with an integral value stays a float
       * (-0.0 keeps its sign) */
      f->is_int = lua_isinteger(L, -1);
      if (f->is_int) f->i = lua_tointeger(L, -1); else f->d = (double)lua_tonumber(L, -1);
      break;
    case LUA_TBOOLEAN: f->i = lua_toboolean(L, -1); break;
    case LUA_TTABLE: if (lua_rawequal(L, -1, null)) f->type = LUA_TNIL; break;
    default: break;
  }
}

/* Appends a field; returns NULL or the name of what COPY cannot carry. */
static const char *add_field(lua_State *L, luaL_Buffer *b, const Field *f) {
  char text[LUAMIG_NUMBER_TEXT];
  switch (f->type) {
    case LUA_TNIL: luaL_addstring(b, "\\N"); return NULL;
    case LUA_TSTRING: return add_escaped(b, f->s, f->len) ? NULL : "a string value contains a NUL byte";
    case LUA_TBOOLEAN: luaL_addchar(b, f->i ? 't' : 'f'); return NULL;
    case LUA_TNUMBER:
      luaL_addlstring(b, text, f->is_int ? luamig_integer_text(text, f->i) : luamig_float_text(text, f->d));
      return NULL;
    default: return lua_pushfstring(L, "cannot write a %s in a COPY row", lua_typename(L, f->type));
  }
}

/* Raises "row R, column C: what" with C the column's name when columns
 * are given. No position prefix: the caller names the operation. */
static int field_error(lua_State *L, lua_Integer r, lua_Integer c, const char *what) {
  if (lua_istable(L, 5)) {
    lua_rawgeti(L, 5, c);
    lua_pushfstring(L, "row %d, column %s: %s", (int)r, luaL_tolstring(L, -1, NULL), what);
  } else {
    lua_pushfstring(L, "row %d, column %d: %s", (int)r, (int)c, what);
  }
  return lua_error(L);
}

/* copy_encode(rows, n, ncols, null [, columns [, keyed]]) -> text
 * Encodes rows[1..n] as COPY text lines of ncols fields: row[i] for
 * positional rows, row[columns[i]] for keyed ones.
 * nil and null become \N. Raises "row R, column C: ..." on a value COPY
 * cannot carry. */
int copy_encode(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = luaL_checkinteger(L, 2);
  lua_Integer ncols = luaL_checkinteger(L, 3);
  if (!lua_isnoneornil(L, 5)) luaL_checktype(L, 5, LUA_TTABLE);
  int keyed = lua_toboolean(L, 6);
  luaL_argcheck(L, !keyed || lua_istable(L, 5), 6, "keyed rows need the column names");
  luaL_argcheck(L, ncols >= 1, 3, "need at least one column");
  lua_settop(L, 7);  /* 7: the current row, replaced in place */
  luaL_Buffer b;
  /* room for short fields up front: growing the buffer by doubling would
   * copy each batch several times and ask malloc for ever larger blocks */
  lua_Integer room = n * ncols * 16 + n;
  luaL_buffinitsize(L, &b, (size_t)(room > 0 && room < (1 << 24) ? room : (1 << 24)));
  for (lua_Integer r = 1; r <= n; r++) {
    if (lua_rawgeti(L, 1, r) != LUA_TTABLE) {
      lua_pushfstring(L, "row %d must be a table, got %s", (int)r, luaL_typename(L, -1));
      return lua_error(L);
    }
    lua_replace(L, 7);
    if (!keyed && (lua_Integer)lua_rawlen(L, 7) > ncols) {
      lua_pushfstring(L, "row %d has %d values for %d columns", (int)r, (int)lua_rawlen(L, 7), (int)ncols);
      return lua_error(L);
    }
    for (lua_Integer c = 1; c <= ncols; c++) {
      Field f;
      int type;
      if (keyed) {
        lua_rawgeti(L, 5, c);
        type = lua_rawget(L, 7);
      } else {
        type = lua_rawgeti(L, 7, c);
      }
      read_field(L, type, 4, &f);
      lua_pop(L, 1);  /* back to the buffer's level */
      if (c > 1) luaL_addchar(&b, '\t');
      const char *bad = add_field(L, &b, &f);
      if (bad) return field_error(L, r, c, bad);
    }
    luaL_addchar(&b, '\n');
  }
  luaL_pushresult(&b);
  return 1;
}
