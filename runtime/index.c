/* The revision index's bytes: a tree of Lua values (tables of booleans,
 * integers, strings and tables) in a format that is parsed, never run.
 *
 *   header   "LUAMIGIX", format (u32), payload length (u64), FNV-1a of
 *            the payload (u64); little-endian
 *   payload  the number of distinct strings, each string (length, bytes),
 *            then one value
 *   value    0 false | 1 true | 2 integer (zigzag) | 3 string (its number
 *            in the string list) | 4 table: n array items, n pairs, the
 *            items, then key, value for each pair
 * Numbers are LEB128. Strings are kept once, so the ids repeated through
 * a revision graph cost a varint each. decode_index checks the header and
 * the checksum before reading anything, bounds-checks every read, and
 * gives nil for anything else than what encode_index writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "core.h"

#define INDEX_MAGIC "LUAMIGIX"
#define INDEX_FORMAT 1u
#define INDEX_HEADER 28          /* magic, format, length, checksum */
#define INDEX_MAX_DEPTH 32       /* the index nests 5 deep */

enum { TAG_FALSE, TAG_TRUE, TAG_INTEGER, TAG_STRING, TAG_TABLE };

/* ------------------------------------------------------------ buffers */

/* A growing byte buffer in a userdata, freed by __gc: a Lua error while
 * encoding (out of memory, a value that cannot be encoded) leaks nothing. */
typedef struct {
  unsigned char *bytes;
  size_t len, cap;
} Buffer;

static int buffer_gc(lua_State *L) {
  Buffer *b = (Buffer *)lua_touserdata(L, 1);
  free(b->bytes);
  b->bytes = NULL;
  return 0;
}

static Buffer *push_buffer(lua_State *L) {
  Buffer *b = (Buffer *)lua_newuserdatauv(L, sizeof(Buffer), 0);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, "luamig.index_buffer")) {
    lua_pushcfunction(L, buffer_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return b;
}

/* Appends n bytes; nothing for none (an empty buffer has no bytes yet,
 * and memcpy from or to NULL is undefined even for zero bytes). */
static void put_bytes(lua_State *L, Buffer *b, const void *p, size_t n) {
  if (n == 0) return;
  if (n > b->cap - b->len) {
    size_t cap = b->cap ? b->cap : 4096;
    while (n > cap - b->len) cap *= 2;
    unsigned char *grown = (unsigned char *)realloc(b->bytes, cap);
    if (grown == NULL) luaL_error(L, "not enough memory for the revision index");
    b->bytes = grown;
    b->cap = cap;
  }
  memcpy(b->bytes + b->len, p, n);
  b->len += n;
}

static void put_varint(lua_State *L, Buffer *b, uint64_t v) {
  unsigned char out[10];
  size_t n = 0;
  do {
    out[n] = (unsigned char)(v & 0x7f);
    v >>= 7;
    if (v) out[n] |= 0x80;
    n++;
  } while (v);
  put_bytes(L, b, out, n);
}

static void put_u64(unsigned char *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

/* ----------------------------------------------------------- encoding */

typedef struct {
  Buffer *strings, *body;
  int ids;          /* stack index: string -> its number */
  lua_Integer n_strings;
} Encoder;

static void encode_value(lua_State *L, Encoder *e, int idx, int depth);

static void encode_string(lua_State *L, Encoder *e, int idx) {
  lua_pushvalue(L, idx);
  if (lua_rawget(L, e->ids) == LUA_TNIL) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    put_varint(L, e->strings, len);
    put_bytes(L, e->strings, s, len);
    lua_pushvalue(L, idx);
    lua_pushinteger(L, e->n_strings++);
    lua_rawset(L, e->ids);
    lua_pushinteger(L, e->n_strings - 1);
    lua_replace(L, -2);
  }
  put_varint(L, e->body, (uint64_t)lua_tointeger(L, -1));
  lua_pop(L, 1);
}

/* whether the key at idx is one of the array items 1..n */
static int in_array(lua_State *L, int idx, lua_Integer n) {
  if (!lua_isinteger(L, idx)) return 0;
  lua_Integer k = lua_tointeger(L, idx);
  return k >= 1 && k <= n;
}

static void encode_table(lua_State *L, Encoder *e, int t, int depth) {
  lua_Integer n = (lua_Integer)lua_rawlen(L, t), pairs = 0;
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    lua_pop(L, 1);
    if (!in_array(L, -1, n)) pairs++;
  }
  put_varint(L, e->body, (uint64_t)n);
  put_varint(L, e->body, (uint64_t)pairs);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, t, i);
    encode_value(L, e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    int top = lua_gettop(L);
    if (!in_array(L, top - 1, n)) {
      encode_value(L, e, top - 1, depth + 1);
      encode_value(L, e, top, depth + 1);
    }
    lua_pop(L, 1);
  }
}

static void encode_value(lua_State *L, Encoder *e, int idx, int depth) {
  unsigned char tag;
  if (depth > INDEX_MAX_DEPTH) luaL_error(L, "revision index: tables nested deeper than %d", INDEX_MAX_DEPTH);
  luaL_checkstack(L, 4, "revision index nested too deep");
  switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN:
      tag = lua_toboolean(L, idx) ? TAG_TRUE : TAG_FALSE;
      put_bytes(L, e->body, &tag, 1);
      return;
    case LUA_TNUMBER: {
      if (!lua_isinteger(L, idx)) break;
      tag = TAG_INTEGER;
      put_bytes(L, e->body, &tag, 1);
      uint64_t u = (uint64_t)lua_tointeger(L, idx);
      put_varint(L, e->body, (u << 1) ^ (0 - (u >> 63)));  /* zigzag */
      return;
    }
    case LUA_TSTRING:
      tag = TAG_STRING;
      put_bytes(L, e->body, &tag, 1);
      encode_string(L, e, idx);
      return;
    case LUA_TTABLE:
      tag = TAG_TABLE;
      put_bytes(L, e->body, &tag, 1);
      encode_table(L, e, idx, depth);
      return;
  }
  luaL_error(L, "revision index: cannot encode a %s", luaL_typename(L, idx));
}

/* encode_index(value) -> bytes: a table of booleans, integers, strings
 * and tables (no cycles), with its header. */
int index_encode(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  Encoder e = {NULL, NULL, 4, 0};
  e.strings = push_buffer(L);  /* 2 */
  e.body = push_buffer(L);     /* 3 */
  lua_newtable(L);             /* 4: string -> number */
  encode_value(L, &e, 1, 0);
  Buffer *out = push_buffer(L);
  unsigned char header[INDEX_HEADER];
  put_varint(L, out, (uint64_t)e.n_strings);
  put_bytes(L, out, e.strings->bytes, e.strings->len);
  put_bytes(L, out, e.body->bytes, e.body->len);
  memcpy(header, INDEX_MAGIC, 8);
  put_u64(header + 8, INDEX_FORMAT, 4);
  put_u64(header + 12, out->len, 8);
  put_u64(header + 20, luamig_fnv1a(out->bytes, out->len), 8);
  luaL_Buffer result;
  luaL_buffinit(L, &result);
  luaL_addlstring(&result, (const char *)header, INDEX_HEADER);
  luaL_addlstring(&result, (const char *)out->bytes, out->len);
  luaL_pushresult(&result);
  return 1;
}

/* ----------------------------------------------------------- decoding */

typedef struct {
  const unsigned char *p, *end;
  int strings;             /* stack index: the list of strings, from 1 */
  lua_Integer n_strings;
} Decoder;

/* 0 when the bytes end or the number does not fit 64 bits */
static int get_varint(Decoder *d, uint64_t *v) {
  *v = 0;
  for (int shift = 0; shift < 64 && d->p < d->end; shift += 7) {
    unsigned char c = *d->p++;
    if (shift == 63 && c > 1) return 0;
    *v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80)) return 1;
  }
  return 0;
}

/* a count of things each taking at least `size` more bytes */
static int get_count(Decoder *d, size_t size, lua_Integer *n) {
  uint64_t v;
  if (!get_varint(d, &v) || v > (uint64_t)(d->end - d->p) / size) return 0;
  *n = (lua_Integer)v;
  return 1;
}

/* Pushes the value at d->p, or returns 0 (and pushes nothing) when the
 * bytes are not one. */
static int decode_value(lua_State *L, Decoder *d, int depth) {
  uint64_t v;
  lua_Integer narr, npairs;
  if (d->p >= d->end || depth > INDEX_MAX_DEPTH) return 0;
  switch (*d->p++) {
    case TAG_FALSE: lua_pushboolean(L, 0); return 1;
    case TAG_TRUE: lua_pushboolean(L, 1); return 1;
    case TAG_INTEGER:
      if (!get_varint(d, &v)) return 0;
      lua_pushinteger(L, (lua_Integer)((v >> 1) ^ (0 - (v & 1))));
      return 1;
    case TAG_STRING:
      if (!get_varint(d, &v) || v >= (uint64_t)d->n_strings) return 0;
      lua_rawgeti(L, d->strings, (lua_Integer)v + 1);
      return 1;
    case TAG_TABLE:
      if (!get_count(d, 1, &narr) || !get_count(d, 2, &npairs) || narr + 2 * npairs > d->end - d->p) return 0;
      luaL_checkstack(L, 3, "revision index nested too deep");
      lua_createtable(L, narr > INT32_MAX ? 0 : (int)narr, npairs > INT32_MAX ? 0 : (int)npairs);
      for (lua_Integer i = 1; i <= narr; i++) {
        if (!decode_value(L, d, depth + 1)) goto bad;
        lua_rawseti(L, -2, i);
      }
      for (lua_Integer i = 0; i < npairs; i++) {
        if (!decode_value(L, d, depth + 1)) goto bad;
        if (lua_type(L, -1) == LUA_TTABLE || !decode_value(L, d, depth + 1)) {
          lua_pop(L, 1);
          goto bad;
        }
        lua_rawset(L, -3);
      }
      return 1;
    bad:
      lua_pop(L, 1);
      return 0;
  }
  return 0;
}

/* Pushes the list of strings at d->p, or returns 0 (pushing nothing). */
static int decode_strings(lua_State *L, Decoder *d) {
  if (!get_count(d, 1, &d->n_strings)) return 0;
  lua_createtable(L, d->n_strings > INT32_MAX ? 0 : (int)d->n_strings, 0);
  for (lua_Integer i = 1; i <= d->n_strings; i++) {
    uint64_t len;
    if (!get_varint(d, &len) || len > (uint64_t)(d->end - d->p)) {
      lua_pop(L, 1);
      return 0;
    }
    lua_pushlstring(L, (const char *)d->p, (size_t)len);
    lua_rawseti(L, -2, i);
    d->p += len;
  }
  return 1;
}

/* decode_index(bytes) -> value | nil: nil for bytes that encode_index of
 * this format did not write (another format, a wrong length or checksum,
 * malformed or trailing data). */
int index_decode(lua_State *L) {
  size_t len;
  const unsigned char *bytes = (const unsigned char *)luaL_checklstring(L, 1, &len);
  lua_settop(L, 1);
  if (len < INDEX_HEADER || memcmp(bytes, INDEX_MAGIC, 8) != 0 || get_u64(bytes + 8, 4) != INDEX_FORMAT
      || get_u64(bytes + 12, 8) != len - INDEX_HEADER
      || get_u64(bytes + 20, 8) != luamig_fnv1a(bytes + INDEX_HEADER, len - INDEX_HEADER)) {
    lua_pushnil(L);
    return 1;
  }
  Decoder d = {bytes + INDEX_HEADER, bytes + len, 2, 0};
  /* everything made here stays reachable from the stack: a collection
   * while building it would only walk the growing tree again and again */
  int collecting = lua_gc(L, LUA_GCISRUNNING);
  lua_gc(L, LUA_GCSTOP);
  int ok = decode_strings(L, &d) && decode_value(L, &d, 0) && d.p == d.end;
  if (collecting) lua_gc(L, LUA_GCRESTART);
  if (!ok) {
    lua_settop(L, 1);
    lua_pushnil(L);
  }
  return 1;
}

/* ------------------------------------------------- checks of columns */

/* The index's map snapshot is columns: an array per field of ten
 * thousand nodes. Checking each entry in Lua costs more than decoding it,
 * so the checks that are pure structure run here; what they say about the
 * graph is revmap's (revmap.is_snapshot). Each reads only entries 1..n
 * with lua_rawgeti and never raises but on a wrong argument. */

/* index_column(t, n, kind[, lo, hi]) -> boolean: whether t is a table
 * whose entries 1..n are all of kind, and t[n + 1] is nil:
 *   "ids"        strings, each greater than the one before (as Lua's <)
 *   "names"      strings or false
 *   "integers"   integers from lo to hi
 *   "positions"  the integers 1..n, each once
 *   "files"      paths of files in a directory: strings each of the prefix
 *                (argument 4, "DIR/") then a name holding no "/" */
int index_column(lua_State *L) {
  static const char *const kinds[] = {"ids", "names", "integers", "positions", "files", NULL};
  lua_Integer n = luaL_checkinteger(L, 2);
  int kind = luaL_checkoption(L, 3, NULL, kinds);
  lua_Integer lo = 1, hi = n;
  size_t prefix_len = 0;
  const char *prefix = kind == 4 ? luaL_checklstring(L, 4, &prefix_len) : NULL;
  if (kind == 2) {
    lo = luaL_checkinteger(L, 4);
    hi = luaL_checkinteger(L, 5);
  }
  lua_settop(L, 4);  /* the prefix stays on the stack */
  if (!lua_istable(L, 1) || n < 0 || n == LUA_MAXINTEGER || lua_rawgeti(L, 1, n + 1) != LUA_TNIL) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pop(L, 1);
  unsigned char *seen = NULL;
  if (kind == 3) {
    if ((uint64_t)n >= (uint64_t)SIZE_MAX) return lua_pushboolean(L, 0), 1;
    seen = (unsigned char *)lua_newuserdatauv(L, (size_t)n + 1, 0);  /* 5; collected with the stack */
    memset(seen, 0, (size_t)n + 1);
  }
  luaL_checkstack(L, 3, "index column");
  int top = lua_gettop(L), ok = 1;
  for (lua_Integer i = 1; ok && i <= n; i++) {
    int type = lua_rawgeti(L, 1, i);
    switch (kind) {
      case 0:
        ok = type == LUA_TSTRING;
        if (ok && i > 1) {
          lua_rawgeti(L, 1, i - 1);
          ok = lua_compare(L, -1, -2, LUA_OPLT);  /* strings: never raises */
        }
        break;
      case 1:
        ok = type == LUA_TSTRING || (type == LUA_TBOOLEAN && !lua_toboolean(L, -1));
        break;
      case 4: {
        size_t len;
        const char *path = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        ok = path != NULL && len > prefix_len && memcmp(path, prefix, prefix_len) == 0
             && memchr(path + prefix_len, '/', len - prefix_len) == NULL;
        break;
      }
      default: {
        lua_Integer x = lua_tointeger(L, -1);
        ok = lua_isinteger(L, -1) && x >= lo && x <= hi;
        if (ok && seen) {
          ok = !seen[x];
          seen[x] = 1;
        }
      }
    }
    lua_settop(L, top);
  }
  lua_pushboolean(L, ok);
  return 1;
}

/* index_parents(counts, downs, topo, n, acyclic) -> boolean: whether the
 * parents of node i, counts[i] positions from downs (one run per node, in
 * order, using up all of downs), are other nodes (1..n, not i), each
 * once, and, when acyclic, numbered below i in topo. counts and topo are
 * n integers already checked (index_column). */
int index_parents(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_Integer n = luaL_checkinteger(L, 4);
  int acyclic = lua_toboolean(L, 5);
  lua_settop(L, 3);
  if (!lua_istable(L, 2)) return lua_pushboolean(L, 0), 1;
  luaL_checkstack(L, 3, "index parents");
  lua_Integer at = 1;
  int ok = 1;
  for (lua_Integer i = 1; ok && i <= n; i++) {
    lua_rawgeti(L, 1, i);
    lua_Integer count = lua_tointeger(L, -1), own = 0;
    lua_pop(L, 1);
    if (acyclic) {
      lua_rawgeti(L, 3, i);
      own = lua_tointeger(L, -1);
      lua_pop(L, 1);
    }
    for (lua_Integer j = at; ok && j < at + count; j++) {
      lua_rawgeti(L, 2, j);
      lua_Integer p = lua_tointeger(L, -1);
      ok = lua_isinteger(L, -1) && p >= 1 && p <= n && p != i;
      lua_pop(L, 1);
      for (lua_Integer k = at; ok && k < j; k++) {  /* parents are few */
        lua_rawgeti(L, 2, k);
        ok = lua_tointeger(L, -1) != p;
        lua_pop(L, 1);
      }
      if (ok && acyclic) {
        lua_rawgeti(L, 3, p);
        ok = lua_tointeger(L, -1) < own;
        lua_pop(L, 1);
      }
    }
    at += count;
  }
  if (ok) ok = lua_rawgeti(L, 2, at) == LUA_TNIL && (lua_Integer)lua_rawlen(L, 2) == at - 1;
  lua_pushboolean(L, ok);
  return 1;
}
