/* pgparse.c: the PostgreSQL parser (libpg_query) for lint.
 *
 *   core.parse_sql(sql) -> tree | nil, message, position
 *
 * tree is pg_query's JSON parse tree as Lua tables: { version = n,
 * stmts = { { stmt = { IndexStmt = {...} }, stmt_location = n,
 * stmt_len = n }, ... } } (pg_query leaves out fields that are zero, false
 * or empty; stmt_len 0 means "to the end"). A syntax error gives nil, the
 * server's message and the 1-based byte position of the error (0: none).
 *
 * pg_query writes JSON it generated itself, so the reader below takes the
 * JSON grammar only as far as pg_query uses it (objects, arrays, strings,
 * numbers, true/false/null) and raises on anything else. */
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>

#include "lauxlib.h"
#include "core.h"

#define PARSE_RESULT "luamig.parse_result"

/* A parse result boxed in a userdata before it is made, so that a Lua
 * error (out of memory) while converting it cannot leak it. */
typedef struct {
  PgQueryParseResult result;
  int held;
} ParseBox;

static void box_free(ParseBox *box) {
  if (box->held) {
    box->held = 0;
    pg_query_free_parse_result(box->result);
  }
}

static int box_gc(lua_State *L) {
  box_free((ParseBox *)luaL_checkudata(L, 1, PARSE_RESULT));
  return 0;
}

/* ------------------------------------------------------------ the reader */

typedef struct {
  lua_State *L;
  const char *p;
} Reader;

static void read_value(Reader *r);

static void skip_space(Reader *r) {
  while (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r') r->p++;
}

static void expect(Reader *r, char c) {
  skip_space(r);
  if (*r->p != c) luamig_raise_plain(r->L, "parse_sql: unexpected JSON from pg_query near '%c'", *r->p ? *r->p : '?');
  r->p++;
}

static unsigned hex4(Reader *r) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = *r->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else luamig_raise_plain(r->L, "parse_sql: bad \\u escape in pg_query's JSON");
  }
  return v;
}

/* \uXXXX (a surrogate pair when it takes two) as UTF-8 into b */
static void add_unicode(Reader *r, luaL_Buffer *b) {
  unsigned cp = hex4(r);
  if (cp >= 0xD800 && cp < 0xDC00 && r->p[0] == '\\' && r->p[1] == 'u') {
    r->p += 2;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(r) - 0xDC00);
  }
  char utf8[4];
  int n;
  if (cp < 0x80) { utf8[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { utf8[0] = (char)(0xC0 | (cp >> 6)); utf8[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    utf8[0] = (char)(0xE0 | (cp >> 12)); utf8[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    utf8[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    utf8[0] = (char)(0xF0 | (cp >> 18)); utf8[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    utf8[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); utf8[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
  }
  luaL_addlstring(b, utf8, (size_t)n);
}

/* pushes the string at r->p (after its opening quote) */
static void read_string(Reader *r) {
  luaL_Buffer b;
  luaL_buffinit(r->L, &b);
  for (;;) {
    const char *start = r->p;
    while (*r->p && *r->p != '"' && *r->p != '\\') r->p++;
    luaL_addlstring(&b, start, (size_t)(r->p - start));
    if (*r->p == '"') { r->p++; break; }
    if (*r->p == '\0') luamig_raise_plain(r->L, "parse_sql: unterminated string in pg_query's JSON");
    r->p++;  /* the backslash */
    char c = *r->p++;
    switch (c) {
      case 'n': luaL_addchar(&b, '\n'); break;
      case 't': luaL_addchar(&b, '\t'); break;
      case 'r': luaL_addchar(&b, '\r'); break;
      case 'b': luaL_addchar(&b, '\b'); break;
      case 'f': luaL_addchar(&b, '\f'); break;
      case 'u': add_unicode(r, &b); break;
      default: luaL_addchar(&b, c); break;  /* \" \\ \/ */
    }
  }
  luaL_pushresult(&b);
}

static void read_number(Reader *r) {
  char *end;
  long long i = strtoll(r->p, &end, 10);
  if (*end == '.' || *end == 'e' || *end == 'E') {
    lua_pushnumber(r->L, strtod(r->p, &end));
  } else {
    lua_pushinteger(r->L, (lua_Integer)i);
  }
  if (end == r->p) luamig_raise_plain(r->L, "parse_sql: bad number in pg_query's JSON");
  r->p = end;
}

/* pushes { key = value, ... } */
static void read_object(Reader *r) {
  lua_newtable(r->L);
  skip_space(r);
  if (*r->p == '}') { r->p++; return; }
  for (;;) {
    expect(r, '"');
    read_string(r);
    expect(r, ':');
    read_value(r);
    lua_rawset(r->L, -3);
    skip_space(r);
    if (*r->p == ',') { r->p++; continue; }
    expect(r, '}');
    return;
  }
}

/* pushes { v1, v2, ... } */
static void read_array(Reader *r) {
  lua_newtable(r->L);
  skip_space(r);
  if (*r->p == ']') { r->p++; return; }
  for (lua_Integer i = 1;; i++) {
    read_value(r);
    lua_rawseti(r->L, -2, i);
    skip_space(r);
    if (*r->p == ',') { r->p++; continue; }
    expect(r, ']');
    return;
  }
}

static int word(Reader *r, const char *w) {
  size_t n = strlen(w);
  if (strncmp(r->p, w, n) != 0) return 0;
  r->p += n;
  return 1;
}

/* pushes one value; a tree as deep as the statement's nesting */
static void read_value(Reader *r) {
  luaL_checkstack(r->L, 4, "parse_sql: parse tree too deep");
  skip_space(r);
  char c = *r->p;
  if (c == '{') { r->p++; read_object(r); }
  else if (c == '[') { r->p++; read_array(r); }
  else if (c == '"') { r->p++; read_string(r); }
  else if (c == '-' || (c >= '0' && c <= '9')) read_number(r);
  else if (word(r, "true")) lua_pushboolean(r->L, 1);
  else if (word(r, "false")) lua_pushboolean(r->L, 0);
  else if (word(r, "null")) lua_pushnil(r->L);
  else luamig_raise_plain(r->L, "parse_sql: unexpected JSON from pg_query near '%c'", c ? c : '?');
}

/* ------------------------------------------------------------ the binding */

int parse_sql(lua_State *L) {
  const char *sql = luaL_checkstring(L, 1);
  ParseBox *box = (ParseBox *)lua_newuserdatauv(L, sizeof(ParseBox), 0);
  box->held = 0;
  luaL_setmetatable(L, PARSE_RESULT);
  box->result = pg_query_parse(sql);
  box->held = 1;
  if (box->result.error != NULL) {
    lua_pushnil(L);
    lua_pushstring(L, box->result.error->message ? box->result.error->message : "syntax error");
    lua_pushinteger(L, box->result.error->cursorpos);
    box_free(box);
    return 3;
  }
  if (box->result.parse_tree == NULL) {
    box_free(box);
    return luamig_raise_plain(L, "parse_sql: pg_query returned no parse tree");
  }
  Reader r = { L, box->result.parse_tree };
  read_value(&r);  /* stack: box, tree */
  box_free(box);
  return 1;
}

void luamig_open_pgparse(lua_State *L) {
  if (luaL_newmetatable(L, PARSE_RESULT)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
}
