/* COPY text format: a batch of Lua rows encoded in one pass, because a
 * million rows escaped value by value in Lua cost several times what the
 * server spends parsing them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------ row shapes */

/* copy_encode's stack: 5 the column names, 7 the current row. */
enum { ARG_COLUMNS = 5, SLOT_ROW = 7 };

/* Whether the key at the top belongs in a row of the first row's shape:
 * a position 1..ncols or n (positional), or a name in columns (keyed). */
static int key_fits(lua_State *L, lua_Integer ncols, int keyed) {
  if (!keyed) {
    if (lua_isinteger(L, -1)) return lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= ncols;
    return lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "n") == 0;
  }
  int fits = 0;
  for (lua_Integer c = 1; c <= ncols && !fits; c++) {
    lua_rawgeti(L, ARG_COLUMNS, c);
    fits = lua_type(L, -2) == LUA_TSTRING && lua_rawequal(L, -1, -2);
    lua_pop(L, 1);
  }
  return fits;
}

/* Raises why row r (at SLOT_ROW) does not have the first row's shape: it
 * holds a key besides those read. Reads the row again: this runs once, on
 * the way out. */
static int shape_error(lua_State *L, lua_Integer r, lua_Integer ncols, int keyed) {
  int has_position = 0, bad = 0;
  const char *name = NULL;  /* a key that is a name; the row keeps it alive */
  lua_pushnil(L);  /* then the offending key */
  lua_pushnil(L);
  while (lua_next(L, SLOT_ROW)) {
    lua_pop(L, 1);
    if (lua_isinteger(L, -1)) has_position = 1;
    else if (lua_type(L, -1) == LUA_TSTRING && (keyed || strcmp(lua_tostring(L, -1), "n") != 0))
      name = lua_tostring(L, -1);
    if (!bad && !key_fits(L, ncols, keyed)) {
      bad = 1;
      lua_copy(L, -1, -2);
    }
  }
  if (has_position && name != NULL)
    return luamig_raise_plain(L, "row %d mixes positional values and keys (key \"%s\")", (int)r, name);
  if (lua_isinteger(L, -1)) {
    if (keyed) return luamig_raise_plain(L, "row %d is positional but the first row is keyed", (int)r);
    lua_Integer len = (lua_Integer)lua_rawlen(L, SLOT_ROW);
    if (len > ncols) return luamig_raise_plain(L, "row %d has %d values for %d columns", (int)r, (int)len, (int)ncols);
    return luamig_raise_plain(L, "row %d has a value at position %I but there are %d columns", (int)r,
                      lua_tointeger(L, -1), (int)ncols);
  }
  if (lua_type(L, -1) != LUA_TSTRING) return luamig_raise_plain(L, "row %d has a key of type %s", (int)r, luaL_typename(L, -1));
  if (!keyed) return luamig_raise_plain(L, "row %d is keyed but the first row is positional", (int)r);
  return luamig_raise_plain(L, "row %d: unknown column \"%s\" (not in opts.columns)", (int)r, lua_tostring(L, -1));
}

/* Checks the n field at the top of the stack of positional row r (at
 * SLOT_ROW), whose values are all at positions 1..ncols: n counts them,
 * holes included (table.pack), so it is an integer from the last value's
 * position to ncols. */
static void check_n(lua_State *L, lua_Integer r, lua_Integer ncols) {
  if (!lua_isinteger(L, -1))
    luamig_raise_plain(L, "row %d has n = %s, not a count of its values", (int)r, luaL_tolstring(L, -1, NULL));
  lua_Integer count = lua_tointeger(L, -1);
  if (count > ncols) luamig_raise_plain(L, "row %d has n = %I but there are %d columns", (int)r, count, (int)ncols);
  lua_Integer last = ncols;
  while (last > 0 && lua_rawgeti(L, SLOT_ROW, last) == LUA_TNIL) {
    lua_pop(L, 1);
    last--;
  }
  if (last > 0) lua_pop(L, 1);
  if (count < last) luamig_raise_plain(L, "row %d has n = %I but a value at position %I", (int)r, count, last);
}

/* Checks that row r (at SLOT_ROW) holds nothing but the `present` fields
 * read from it (and, positional, an n field): counting its keys costs a
 * fraction of reading them one by one, and catches a keyed row among
 * positional ones, a misspelt column or a value past the last column. */
static void check_shape(lua_State *L, lua_Integer r, lua_Integer ncols, int keyed, lua_Integer present) {
  lua_Integer keys = 0;
  lua_pushnil(L);
  while (lua_next(L, SLOT_ROW)) {
    lua_pop(L, 1);
    keys++;
  }
  if (keys <= present) return;  /* fewer: columns named twice, which the server refuses */
  if (!keyed && keys == present + 1) {
    lua_pushliteral(L, "n");
    int has_n = lua_rawget(L, SLOT_ROW) != LUA_TNIL;
    if (has_n) check_n(L, r, ncols);
    lua_pop(L, 1);
    if (has_n) return;
  }
  shape_error(L, r, ncols, keyed);
}

/* copy_encode(rows, n, ncols, null [, columns [, keyed]]) -> text
 * Encodes rows[1..n] as COPY text lines of ncols fields: row[i] for
 * positional rows, row[columns[i]] for keyed ones.
 * nil and null become \N. Raises "row R, column C: ..." on a value COPY
 * cannot carry, and "row R ..." on a row whose shape is not the first
 * row's (keyed or positional), with an unknown column, or with more
 * values than columns. */
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
    lua_Integer present = 0;
    for (lua_Integer c = 1; c <= ncols; c++) {
      Field f;
      int type;
      if (keyed) {
        lua_rawgeti(L, 5, c);
        type = lua_rawget(L, 7);
      } else {
        type = lua_rawgeti(L, 7, c);
      }
      present += type != LUA_TNIL;
      read_field(L, type, 4, &f);
      lua_pop(L, 1);  /* back to the buffer's level */
      if (c > 1) luaL_addchar(&b, '\t');
      const char *bad = add_field(L, &b, &f);
      if (bad) return field_error(L, r, c, bad);
    }
    check_shape(L, r, ncols, keyed, present);
    luaL_addchar(&b, '\n');
  }
  luaL_pushresult(&b);
  return 1;
}
